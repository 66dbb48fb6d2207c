# Bulk enrolment of fake-hardware nodes through Ironic's own object layer; run
# by harness/bulk-enrol.ts (which explains why and how) under Debian's python3,
# with the Ironic config file as argv[1], the request as one JSON document on
# stdin and the answer as one JSON line on stdout.
import ctypes, os, signal, sys
if ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL) != 0:
    sys.exit('prctl(PR_SET_PDEATHSIG) failed: errno %d' % ctypes.get_errno())
if os.getppid() != int(os.environ['IRONIC_COMPUTE_PARENT_PID']):
    sys.exit('parent process is gone; not starting')
config_file = sys.argv[1]

# fd 1 carries exactly one JSON answer. oslo.log falls back to stdout when no
# log file is configured, so fd 1 (and sys.stdout) now point at stderr.
answer = os.fdopen(os.dup(1), 'w')
os.dup2(2, 1)
sys.stdout = sys.stderr

import json, random, time

started = time.monotonic()
stats = {'batches': 0, 'retries': 0, 'max_transaction_ms': 0.0,
         'total_transaction_ms': 0.0, 'plan_ms': 0.0, 'seconds': 0.0}
created = []


def reply(document):
    answer.write(json.dumps(document))
    answer.write('\n')
    answer.flush()


def describe(error):
    return '%s: %s' % (type(error).__name__, error)


def main():
    request = json.load(sys.stdin)

    from ironic.common import service as ironic_service
    ironic_service.prepare_command(
        ['ironic-compute-bulk-enrol', '--config-file', config_file])

    import jsonschema
    import sqlalchemy
    from oslo_db import exception as db_exc
    from oslo_db.sqlalchemy import enginefacade
    from oslo_utils import timeutils, uuidutils
    from ironic import objects
    from ironic.api.controllers.v1 import node as api_node
    from ironic.api.controllers.v1 import port as api_port
    from ironic.api.controllers.v1 import utils as api_utils
    from ironic.common import context as ironic_context
    from ironic.common import driver_factory, exception, states
    from ironic.common import utils as ironic_utils
    from ironic.conductor import rpcapi as conductor_rpcapi
    from ironic.conf import CONF
    from ironic.db import api as dbapi_module
    from ironic.db.sqlalchemy import api as db_sqlalchemy_api
    from ironic.db.sqlalchemy import models

    busy_timeout_ms = int(request['busy_timeout_ms'])
    max_attempts = int(request['max_attempts'])
    batch_size = int(request['batch_size'])

    engine = enginefacade.writer.get_engine()  # NullPool: every session connects anew

    @sqlalchemy.event.listens_for(engine, 'connect')
    def _busy_timeout(dbapi_connection, connection_record):
        dbapi_connection.execute('PRAGMA busy_timeout = %d' % busy_timeout_ms)

    def is_locked(error):
        # oslo.db passes sqlite's OperationalError through unwrapped.
        if isinstance(error, db_exc.DBDeadlock):
            return True
        text = str(error)
        return 'database is locked' in text or 'database table is locked' in text

    def with_retries(what, work):
        for attempt in range(1, max_attempts + 1):
            try:
                return work()
            except Exception as error:
                if not is_locked(error) or attempt == max_attempts:
                    raise
                stats['retries'] += 1
                delay = min(2.0, 0.05 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
                print('bulk-enrol: %s: %s; retry %d in %.2f s'
                      % (what, describe(error), attempt, delay), file=sys.stderr)
                time.sleep(delay)

    context = ironic_context.get_admin_context()
    rpcapi = conductor_rpcapi.ConductorAPI()
    provision_state = {'available': states.AVAILABLE,
                       'manageable': states.MANAGEABLE,
                       'enroll': states.ENROLL}[request['target']]
    items = request['nodes']

    # PUT /v1/nodes/{node}/traits: schema per trait, duplicates dropped, at most
    # MAX_TRAITS_PER_NODE (the dbapi checks the same).
    traits = sorted(set(request['traits']))
    for trait in traits:
        try:
            jsonschema.validate(trait, api_utils.TRAITS_SCHEMA)
        except jsonschema.ValidationError as error:
            # str(error) would dump the whole schema (every standard trait).
            raise exception.InvalidParameterValue(
                'Invalid trait %r: %s' % (trait, error.message)) from None
    if len(traits) > db_sqlalchemy_api.MAX_TRAITS_PER_NODE:
        raise exception.InvalidParameterValue(
            'Could not modify traits for node: would exceed the maximum of %d'
            % db_sqlalchemy_api.MAX_TRAITS_PER_NODE)
    trait_version = objects.Trait.get_target_version()

    # POST /v1/nodes validates each body with jsonschema, which also re-checks
    # the schema itself (~20 ms a call). Our bodies differ only in 'name' (a
    # string in every body), so the template is validated once with the first
    # name, and each name gets the API's name checks below.
    template = api_node.node_validator(
        'node', dict(request['node'], name=items[0]['name'] if items else None))
    template.pop('name', None)
    reserved_names = api_node.get_nodes_controller_reserved_names()
    checked_topics = set()
    seen_names = set()
    port_validator = [api_port.PORT_VALIDATOR]

    def plan_node(item):
        body = dict(template, name=item['name'])
        if not body.get('uuid'):
            body['uuid'] = uuidutils.generate_uuid()
        # Special-cased to "" and not None by the API: used by the hash ring.
        if not body.get('conductor_group'):
            body['conductor_group'] = ''
        name = body['name']
        if not ironic_utils.is_valid_logical_name(name) or uuidutils.is_uuid_like(name):
            raise exception.InvalidParameterValue(
                "Cannot create node with invalid name '%s'" % name)
        if name in reserved_names:
            raise exception.InvalidParameterValue(
                'The word "%s" is reserved and can not be used as a node name' % name)
        if name in seen_names:
            raise exception.DuplicateName(name=name)
        seen_names.add(name)
        if not body.get('resource_class'):
            body['resource_class'] = CONF.default_resource_class
        node = objects.Node(context, **body)
        key = (node.driver, node.conductor_group)
        if key not in checked_topics:
            rpcapi.get_topic_for(node)  # NoValidHost, which the API answers with 400
            checked_topics.add(key)
        driver_factory.check_and_update_node_interfaces(node)  # conductor's create_node
        fields = {field: getattr(node, field) for field in node.obj_what_changed()}
        ports = []
        for index, address in enumerate(item['macs']):
            port = port_validator[0]('port', {
                'address': address, 'node_uuid': body['uuid'], 'pxe_enabled': index == 0})
            # Same shape for every port: the schema part once, the rest always.
            port_validator[0] = api_port.PORT_VALIDATOR_EXTRA
            port.pop('node_uuid')
            port['uuid'] = uuidutils.generate_uuid()
            ports.append(port)
        return {'fields': fields, 'ports': ports}

    def insert_batch(plans):
        # What the conductor leaves behind after power off and manage/provide.
        now = timeutils.utcnow()
        started_at = time.monotonic()
        try:
            with enginefacade.writer.using(db_sqlalchemy_api._CONTEXT) as session:
                for plan in plans:
                    node = objects.Node(context, **plan['fields'])
                    node.provision_state = provision_state
                    node.power_state = states.POWER_OFF
                    node.driver_internal_info = {'last_power_state_change': now.isoformat()}
                    node.updated_at = now
                    if provision_state != states.ENROLL:
                        node.provision_updated_at = now
                    node.create()  # joins this transaction
                    # The rows TraitList.create / Port.create insert, without
                    # their per-row existence checks and read-backs (~6 ms each):
                    # the node was created a moment ago in this very transaction.
                    for trait in traits:
                        session.add(models.NodeTrait(
                            trait=trait, node_id=node.id, version=trait_version))
                    for port in plan['ports']:
                        row = models.Port()
                        row.update(objects.Port(context, node_id=node.id, **port)
                                   .do_version_changes_for_db())
                        session.add(row)
                session.flush()
        except db_exc.DBDuplicateEntry as error:
            if 'address' in (error.columns or []):
                raise exception.MACAlreadyExists(mac=error.value) from error
            raise
        elapsed = (time.monotonic() - started_at) * 1000
        stats['max_transaction_ms'] = max(stats['max_transaction_ms'], elapsed)
        stats['total_transaction_ms'] += elapsed

    try:
        plans = [plan_node(item) for item in items]
        stats['plan_ms'] = (time.monotonic() - started) * 1000
        for start in range(0, len(plans), batch_size):
            batch = plans[start:start + batch_size]
            with_retries('batch at node %d' % start, lambda: insert_batch(batch))
            stats['batches'] += 1
            created.extend(plan['fields']['uuid'] for plan in batch)
    except Exception as error:
        removed = 0
        cleanup_error = None
        dbapi = dbapi_module.get_instance()
        try:
            for uuid in list(created):
                with_retries('removing node ' + uuid, lambda: dbapi.destroy_node(uuid))
                removed += 1
        except Exception as cleanup:
            cleanup_error = describe(cleanup)
        reply({'ok': False, 'error': describe(error), 'removed': removed,
               'left_behind': len(created) - removed, 'cleanup_error': cleanup_error})
        return 1
    stats['seconds'] = time.monotonic() - started
    reply({'ok': True, 'uuids': created, 'stats': stats})
    return 0


try:
    code = main()
except Exception as error:
    import traceback
    traceback.print_exc()
    reply({'ok': False, 'error': describe(error), 'removed': 0, 'left_behind': 0,
           'cleanup_error': None})
    code = 1
sys.exit(code)
