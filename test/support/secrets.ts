// One secrets key for every process of a test that shares a database (a worker
// killed and restarted, several workers on one PostgreSQL): sealed task secrets
// written by one must open in the next, as with the service's key file. A test
// key, fixed on purpose; the service never has a built-in one.
import { SecretBox } from "../../src/store/secret-box.js";

const TEST_KEY = Buffer.from("aXJvbmljLWNvbXB1dGUgdGVzdCBzZWNyZXRzIGtleSE=", "base64");

export const testSecrets = (): SecretBox => SecretBox.fromKey(TEST_KEY);
