// os-instance-actions (api-ref/source/os-instance-actions.inc; Nova's
// schemas/instance_actions.py): 2.51 events for everyone, 2.58 updated_at and
// paging links, 2.62 the event's hostId/host, 2.84 the event's details.
import { z } from "zod";
import { collectionLinks, dateTime, dateTimeOrNull, uuid } from "./common.js";

const ownerId = z.string().min(1).max(255).regex(/^[a-zA-Z0-9-]*$/).nullable();

function actionShape(mv: number): z.ZodRawShape {
  return {
    action: z.string(),
    instance_uuid: uuid,
    message: z.string().nullable(),
    project_id: ownerId,
    request_id: z.string(),
    start_time: dateTime,
    user_id: ownerId,
    ...(mv >= 58 ? { updated_at: dateTimeOrNull } : {}),
  };
}

export function instanceActionListAnswer(mv: number): z.ZodType {
  return z.strictObject({ instanceActions: z.array(z.strictObject(actionShape(mv))), ...(mv >= 58 ? { links: collectionLinks.optional() } : {}) });
}

export function instanceActionAnswer(mv: number): z.ZodType {
  const event = z.strictObject({
    event: z.string(),
    finish_time: dateTimeOrNull,
    result: z.string().nullable(),
    start_time: dateTime,
    // Behind policy (admin).
    traceback: z.string().nullable().optional(),
    ...(mv >= 62 ? { hostId: z.string(), host: z.string().optional() } : {}),
    ...(mv >= 84 ? { details: z.string().nullable().optional() } : {}),
  });
  // Below 2.51 events are shown only where policy allows.
  return z.strictObject({ instanceAction: z.strictObject({ ...actionShape(mv), events: mv >= 51 ? z.array(event) : z.array(event).optional() }) });
}
