// The response fields the CLI reads, as schemas (everything else passes through).
import { z } from "zod";

export const serverSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  progress: z.number().optional(),
  "OS-EXT-STS:task_state": z.string().nullable().optional(),
  "OS-EXT-STS:vm_state": z.string().optional(),
  "OS-EXT-STS:power_state": z.number().optional(),
  fault: z.looseObject({ code: z.number(), message: z.string() }).optional(),
});
export type Server = z.infer<typeof serverSchema>;

export const serverBody = z.object({ server: serverSchema });
export const createdServer = z.object({ server: z.looseObject({ id: z.string() }) });
export const serverList = z.object({ servers: z.array(serverSchema) });
export const serverRefList = z.object({ servers: z.array(z.looseObject({ id: z.string(), name: z.string() })) });

export const flavorSchema = z.looseObject({ id: z.string(), name: z.string() });
export const flavorBody = z.object({ flavor: flavorSchema });
export const flavorList = z.object({ flavors: z.array(flavorSchema) });

export const imageSchema = z.looseObject({ id: z.string(), name: z.string() });
export const imageList = z.object({ images: z.array(imageSchema) });

export const networkSchema = z.looseObject({ id: z.string(), name: z.string() });
export const networkBody = z.object({ network: networkSchema });
export const networkList = z.object({ networks: z.array(networkSchema) });

export const keypairSchema = z.looseObject({ name: z.string(), fingerprint: z.string() });
export const keypairBody = z.object({ keypair: keypairSchema.extend({ private_key: z.string().optional() }) });
export const keypairList = z.object({ keypairs: z.array(z.object({ keypair: keypairSchema })) });

export const projectSchema = z.looseObject({ id: z.string(), name: z.string() });
export const projectList = z.object({ projects: z.array(projectSchema) });
export const userSchema = z.looseObject({ id: z.string(), name: z.string() });
export const userList = z.object({ users: z.array(userSchema) });

export const nodeSchema = z.looseObject({ uuid: z.string() });
export const nodeList = z.object({ nodes: z.array(nodeSchema) });

export const consoleBody = z.object({ remote_console: z.looseObject({ url: z.string() }) });
export const rescueBody = z.object({ adminPass: z.string().optional() });
