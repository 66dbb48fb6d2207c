// The parts of the Ironic client layer the compute layer may name, passed up
// through the driver: compute never imports src/ironic (README "Layers",
// enforced in eslint.config.js). The service is built with a client it is given,
// a fault message must know an Ironic error from any other, and the task runner
// keeps a task whose Ironic did not answer.
export type { IronicClient } from "../ironic/client.js";
export { IronicError, isTransientIronicError } from "../ironic/errors.js";
