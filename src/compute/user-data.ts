// Nova's user_data rules for the layers above the driver (the API may not import
// the driver). The one home is driver/config-drive/user-data.ts, because the
// driver writes user_data into the config drive and needs the same limit.

export { isBase64UserData, MAX_USER_DATA_BYTES } from "../driver/config-drive/user-data.js";
