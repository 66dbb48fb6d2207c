// Neutron's list query on documents (src/api/network-query.ts), as tables.
import { describe, expect, it } from "vitest";
import { neutronList, type NeutronQuery } from "../../src/api/network-query.js";

const docs = [
  { id: "a", name: "one", shared: true, mtu: 1500, subnets: ["s1"], gateway_ip: null, fixed_ips: [{ subnet_id: "s1", ip_address: "192.0.2.10" }] },
  { id: "b", name: "two", shared: false, mtu: 9000, subnets: [], gateway_ip: "192.0.2.1", fixed_ips: [{ subnet_id: "s2", ip_address: "198.51.100.7" }] },
  { id: "c", name: "one", shared: false, mtu: 1500, subnets: ["s1", "s2"], gateway_ip: null, fixed_ips: [] },
];

describe("neutronList", () => {
  it.each<[string, NeutronQuery, string[]]>([
    ["no filter", {}, ["a", "b", "c"]],
    ["by name", { name: "one" }, ["a", "c"]],
    ["alternatives of one attribute", { id: ["a", "b"] }, ["a", "b"]],
    ["Python's booleans", { shared: "True" }, ["a"]],
    ["lowercase booleans", { shared: "false" }, ["b", "c"]],
    ["numbers as text", { mtu: "9000" }, ["b"]],
    ["a list attribute holds the value", { subnets: "s2" }, ["c"]],
    ["null as None", { gateway_ip: "None" }, ["a", "c"]],
    ["two attributes: both", { name: "one", shared: "false" }, ["c"]],
    ["an attribute the documents lack does not filter", { colour: "red" }, ["a", "b", "c"]],
    ["fixed_ips ip_address", { fixed_ips: "ip_address=192.0.2.10" }, ["a"]],
    ["fixed_ips subnet_id", { fixed_ips: "subnet_id=s2" }, ["b"]],
    ["fixed_ips substring", { fixed_ips: "ip_address_substr=198.51." }, ["b"]],
    ["fixed_ips: every filter", { fixed_ips: ["subnet_id=s1", "ip_address=192.0.2.11"] }, []],
    ["after the marker", { marker: "a" }, ["b", "c"]],
    ["an unknown marker: nothing", { marker: "zz" }, []],
    ["a limit", { limit: "2" }, ["a", "b"]],
  ])("%s", (_what, query, ids) => {
    expect(neutronList(docs, query).items.map((doc) => doc["id"])).toEqual(ids);
  });

  it("names the next page only when more follow the limit", () => {
    expect(neutronList(docs, { limit: "2" }).nextMarker).toBe("b");
    expect(neutronList(docs, { limit: "3" }).nextMarker).toBeUndefined();
    expect(neutronList(docs, {}).nextMarker).toBeUndefined();
  });

  it("picks fields (repeated `fields=`, as python-requests sends a tuple); unknown ones are left out", () => {
    expect(neutronList(docs, { fields: ["id", "name", "colour"], name: "two" }).items).toEqual([{ id: "b", name: "two" }]);
    expect(neutronList(docs, { fields: "mtu", id: "a" }).items).toEqual([{ mtu: 1500 }]);
  });
});
