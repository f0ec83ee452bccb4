/**
 * A file kept in the origin-private file system under a fixed name (the basemap, the road
 * network) keeps the name it was chosen by in a small file beside it, FILE.name, so that the
 * page shows the name the engineer knows.
 */
export function keptNameFile(file: string): string {
  return `${file}.name`;
}

export async function writeKeptName(
  dir: FileSystemDirectoryHandle,
  file: string,
  name: string,
): Promise<void> {
  const writable = await (
    await dir.getFileHandle(keptNameFile(file), { create: true })
  ).createWritable();
  await writable.write(name);
  await writable.close();
}

/** The name `file` was chosen by; its own name when none was kept (or it cannot be read). */
export async function readKeptName(dir: FileSystemDirectoryHandle, file: string): Promise<string> {
  try {
    const kept = await (await (await dir.getFileHandle(keptNameFile(file))).getFile()).text();
    return kept || file;
  } catch {
    return file;
  }
}
