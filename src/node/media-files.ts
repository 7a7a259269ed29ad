import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { MediaFiles, OpenedMedia } from '../http/media.ts';

/** Bytes read per chunk: the stream pulls one when the socket has taken the last, so memory stays flat. */
const CHUNK_BYTES = 64 * 1024;
/**
 * A file changed this recently may change again within the same timestamp on a file system with coarse
 * times (FAT: 2 s; ext3, HFS+: 1 s), so its tag is weak until then (Apache's rule).
 */
const SETTLE_MS = 2000;

const isGone = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

/**
 * Media files read from the data folder as they are served, a chunk at a time. The validator is the
 * file's identity (inode, size, modification time to the nanosecond) as `fstat` gives it for the
 * file being read: a strong ETag, since any write changes the time, so `If-Range` can resume a
 * download; weak for the first seconds after a change (see SETTLE_MS). Nothing is hashed, nothing kept.
 * @example
 * createApp({ source, options: { media: mediaFilesIn('./data'), … } });
 */
export function mediaFilesIn(dataDir: string, now: () => number = Date.now): MediaFiles {
  return {
    async open(asset) {
      let handle: FileHandle;
      try {
        // O_NONBLOCK: a FIFO put in the folder would otherwise hold a thread until someone writes to it.
        handle = await open(path.join(dataDir, asset.path), constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (error) {
        if (isGone(error)) return undefined;
        throw error;
      }
      try {
        const stats = await handle.stat({ bigint: true });
        if (!stats.isFile()) {
          await handle.close();
          return undefined;
        }
        const mtimeMs = Number(stats.mtimeMs);
        const tag = `"${stats.ino.toString(36)}-${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}"`;
        return opened(handle, {
          size: Number(stats.size),
          etag: now() - mtimeMs < SETTLE_MS ? `W/${tag}` : tag,
          lastModified: new Date(Math.floor(mtimeMs)),
        });
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
  };
}

function opened(handle: FileHandle, identity: Pick<OpenedMedia, 'size' | 'etag' | 'lastModified'>): OpenedMedia {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined); // already closed: nothing left to release
  };
  return {
    ...identity,
    close: () => void close(),
    read(start, end) {
      let position = start;
      return new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const length = Math.min(CHUNK_BYTES, end + 1 - position);
            if (length <= 0) {
              await close();
              controller.close();
              return;
            }
            try {
              const buffer = new Uint8Array(length);
              const { bytesRead } = await handle.read(buffer, 0, length, position);
              // Truncated while being sent: Content-Length is already promised, so end the response short.
              if (bytesRead === 0) throw new Error('the file got shorter while it was being sent');
              position += bytesRead;
              controller.enqueue(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
            } catch (error) {
              await close();
              controller.error(error);
            }
          },
          cancel: close,
        },
        { highWaterMark: 0 },
      );
    },
  };
}
