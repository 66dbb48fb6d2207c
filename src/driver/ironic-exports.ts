// The parts of the Ironic client layer the compute layer may name, passed up
// through the driver: compute never imports src/ironic (README "Layers",
// enforced in eslint.config.js). The service is built with a client it is given,
// and a fault message must know an Ironic error from any other.
export type { IronicClient } from "../ironic/client.js";
export { IronicError } from "../ironic/errors.js";
