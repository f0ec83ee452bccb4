/**
 * A file handed to the person as a download, made on the device (works offline: no server is
 * asked). The object URL is revoked once the browser has had time to start the download.
 */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
