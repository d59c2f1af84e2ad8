import * as z from 'zod';

/** Variables every leadscore function needs; each handler extends this schema with its own. */
export const baseEnvSchema = z.object({
  CLIENT_NAME: z.string().min(1),
  TABLE_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
});

/** Parses the environment at cold start; a missing variable fails loudly with its name. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid function environment: ${problems}`);
  }
  return parsed.data;
}
