/**
 * The SHA-256 the records carry (a photo's, a model file's, a road network's), as lowercase hex,
 * by Web Crypto: the same code on the phone, in the office's browser, in workers and in Node
 * tests.
 */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
