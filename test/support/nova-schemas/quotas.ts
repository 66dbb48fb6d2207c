// Absolute limits and quota sets (api-ref/source/limits.inc,
// os-quota-sets.inc; Nova's schemas/limits.py and quota_sets.py): 2.36 drops
// the network quotas, 2.39 maxImageMeta, 2.57 the personality/injected-file ones.
import { z } from "zod";

const count = z.number().int().min(-1);

const LIMIT_FIELDS = [
  "maxImageMeta", "maxPersonality", "maxPersonalitySize", "maxSecurityGroups", "maxSecurityGroupRules", "maxServerMeta",
  "maxServerGroups", "maxServerGroupMembers", "maxTotalCores", "maxTotalFloatingIps", "maxTotalInstances", "maxTotalKeypairs",
  "maxTotalRAMSize", "totalCoresUsed", "totalFloatingIpsUsed", "totalInstancesUsed", "totalRAMUsed", "totalSecurityGroupsUsed",
  "totalServerGroupsUsed",
] as const;
const LIMITS_GONE_236 = new Set(["maxSecurityGroups", "maxSecurityGroupRules", "maxTotalFloatingIps", "totalFloatingIpsUsed", "totalSecurityGroupsUsed"]);
const LIMITS_GONE_257 = new Set(["maxPersonality", "maxPersonalitySize"]);

export function limitsAnswer(mv: number): z.ZodType {
  const fields = LIMIT_FIELDS.filter(
    (field) => !(mv >= 36 && LIMITS_GONE_236.has(field)) && !(mv >= 39 && field === "maxImageMeta") && !(mv >= 57 && LIMITS_GONE_257.has(field)),
  );
  const absolute = z.strictObject(Object.fromEntries(fields.map((field) => [field, count])));
  return z.strictObject({ limits: z.strictObject({ absolute, rate: z.array(z.unknown()).max(0) }) });
}

const QUOTA_FIELDS = [
  "cores", "fixed_ips", "floating_ips", "injected_file_content_bytes", "injected_file_path_bytes", "injected_files", "instances",
  "key_pairs", "metadata_items", "ram", "security_groups", "security_group_rules", "server_groups", "server_group_members",
] as const;
const QUOTAS_GONE_236 = new Set(["fixed_ips", "floating_ips", "security_group_rules", "security_groups"]);
const QUOTAS_GONE_257 = new Set(["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"]);

function quotaFields(mv: number): string[] {
  return QUOTA_FIELDS.filter((field) => !(mv >= 36 && QUOTAS_GONE_236.has(field)) && !(mv >= 57 && QUOTAS_GONE_257.has(field)));
}

const detailed = z.strictObject({ in_use: count, limit: count, reserved: count });

/** GET /os-quota-sets/{project} and …/defaults: with the project's `id`. */
export function quotaSetAnswer(mv: number): z.ZodType {
  return z.strictObject({ quota_set: z.strictObject({ id: z.string(), ...Object.fromEntries(quotaFields(mv).map((field) => [field, count])) }) });
}

/** PUT /os-quota-sets/{project}: the same without `id`. */
export function quotaSetUpdateAnswer(mv: number): z.ZodType {
  return z.strictObject({ quota_set: z.strictObject(Object.fromEntries(quotaFields(mv).map((field) => [field, count]))) });
}

export function quotaSetDetailAnswer(mv: number): z.ZodType {
  return z.strictObject({ quota_set: z.strictObject({ id: z.string(), ...Object.fromEntries(quotaFields(mv).map((field) => [field, detailed])) }) });
}
