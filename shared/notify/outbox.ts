import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A notifier channel; also the outbox sub-directory and the dedupe partition. */
export type NotifyChannel = 'slack' | 'email' | 'webhook';

const EXTENSIONS: Record<NotifyChannel, string> = { slack: 'json', email: 'eml', webhook: 'json' };

/** `2025-03-01T06-00-00-123Z`: an ISO time that sorts by name and is safe in file names. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** `<dir>/<channel>/<timestamp>-<notificationId>.<json|eml>`. */
export function outboxPath(dir: string, channel: NotifyChannel, notificationId: string, date: Date): string {
  const safeId = notificationId.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dir, channel, `${fileTimestamp(date)}-${safeId}.${EXTENSIONS[channel]}`);
}

/**
 * Writes one delivered notification to the local outbox (`LEADSCORE_OUTBOX_DIR`), so local
 * runs, demos and e2e tests can see what people would get without Slack or a mail server.
 * Written to a temporary name and renamed, so a watcher never reads half a file.
 */
export async function writeOutboxFile(
  dir: string,
  channel: NotifyChannel,
  notificationId: string,
  content: string | Buffer,
  date = new Date(),
): Promise<string> {
  const path = outboxPath(dir, channel, notificationId, date);
  await mkdir(join(dir, channel), { recursive: true });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
  return path;
}
