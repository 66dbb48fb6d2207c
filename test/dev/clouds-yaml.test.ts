// The clouds.yaml written by `npm start` (and used by the end-to-end CLI tests):
// what the OpenStack clients need, and any password kept verbatim.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cloudsYaml } from "../../src/dev/clouds-yaml.js";

describe("cloudsYaml", () => {
  it("writes a Keystone password cloud with no endpoint overrides and an http_basic cloud with them", () => {
    const password = "p: #'\"{}[] & * ! % @ `x` $HOME";
    const doc = parse(cloudsYaml({ apiUrl: "http://127.0.0.1:8774/", username: "admin", password, projectName: "admin" })) as unknown;
    expect(doc).toEqual({
      clouds: {
        "ironic-compute": {
          auth_type: "password",
          auth: {
            auth_url: "http://127.0.0.1:8774/identity/v3",
            username: "admin",
            password,
            project_name: "admin",
            user_domain_name: "Default",
            project_domain_name: "Default",
          },
          region_name: "RegionOne",
          identity_api_version: 3,
          compute_api_version: "2.latest",
        },
        "ironic-compute-basic": {
          auth_type: "http_basic",
          auth: { username: "admin", password, endpoint: "http://127.0.0.1:8774/v2.1" },
          compute_endpoint_override: "http://127.0.0.1:8774/v2.1",
          image_endpoint_override: "http://127.0.0.1:8774/image",
          compute_api_version: "2.latest",
        },
      },
    });
  });

  it("takes another cloud name, project and microversion for both clouds", () => {
    const doc = parse(
      cloudsYaml({ apiUrl: "http://h:1", username: "u", password: "p", projectName: "proj a", cloudName: "x", computeApiVersion: "2.37" }),
    ) as { clouds: Record<string, { compute_api_version: string; auth: Record<string, string> }> };
    expect(Object.keys(doc.clouds)).toEqual(["x", "x-basic"]);
    expect(doc.clouds["x"]?.auth["project_name"]).toBe("proj a");
    expect(doc.clouds["x"]?.compute_api_version).toBe("2.37");
    expect(doc.clouds["x-basic"]?.compute_api_version).toBe("2.37");
  });
});
