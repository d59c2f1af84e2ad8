import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

/**
 * What a running `npm start` tells the operator CLI (PRODUCT §7.3): where its DynamoDB, table
 * and API are. Written to `<dataDir>/local-stack.json` when the stack is up, removed when it
 * stops; a file left by a stack that died names a process that is gone, and is ignored.
 */
export const stackFileSchema = z.object({
  client: z.string(),
  pid: z.number().int(),
  dynamoEndpoint: z.string(),
  tableName: z.string(),
  apiUrl: z.string(),
  startedAt: z.string(),
});

export type StackFile = z.infer<typeof stackFileSchema>;

export const stackFilePath = (dataDir: string) => join(dataDir, 'local-stack.json');

export async function writeStackFile(dataDir: string, stack: StackFile): Promise<void> {
  await writeFile(stackFilePath(dataDir), `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
}

export async function removeStackFile(dataDir: string, pid: number = process.pid): Promise<void> {
  const current = await readStackFile(dataDir, { alive: false });
  if (current?.pid === pid) await rm(stackFilePath(dataDir), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running stack of a data directory, if one is up (`alive: false` skips the process check). */
export async function readStackFile(
  dataDir: string,
  options: { alive?: boolean } = {},
): Promise<StackFile | undefined> {
  let text: string;
  try {
    text = await readFile(stackFilePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = stackFileSchema.safeParse(json);
  if (!parsed.success) return undefined;
  if (options.alive !== false && !isAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}
