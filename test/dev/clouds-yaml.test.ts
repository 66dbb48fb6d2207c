// The clouds.yaml written by `npm start` (and used by the shape-B end-to-end
// tests): what the OpenStack clients need, and any password kept verbatim.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cloudsYaml } from "../../src/dev/clouds-yaml.js";

describe("cloudsYaml", () => {
  it("names the compute URL with /v2.1 for novaclient and both overrides for openstacksdk", () => {
    const password = "p: #'\"{}[] & * ! % @ `x` $HOME";
    const doc = parse(cloudsYaml({ apiUrl: "http://127.0.0.1:8774/", username: "admin", password })) as unknown;
    expect(doc).toEqual({
      clouds: {
        "ironic-compute": {
          auth_type: "http_basic",
          auth: { username: "admin", password, endpoint: "http://127.0.0.1:8774/v2.1" },
          compute_endpoint_override: "http://127.0.0.1:8774/v2.1",
          image_endpoint_override: "http://127.0.0.1:8774/image",
          compute_api_version: "2.latest",
        },
      },
    });
  });

  it("takes another cloud name and microversion", () => {
    const doc = parse(cloudsYaml({ apiUrl: "http://h:1", username: "u", password: "p", cloudName: "x", computeApiVersion: "2.37" })) as {
      clouds: Record<string, { compute_api_version: string }>;
    };
    expect(doc.clouds["x"]?.compute_api_version).toBe("2.37");
  });
});
