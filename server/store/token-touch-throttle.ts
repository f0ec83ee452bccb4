/**
 * Writing a token's last_used_at on every request would cost a durable write each; once a
 * minute per token is plenty for `token list`.
 */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export class TokenTouchThrottle {
  private readonly last = new Map<string, number>();

  /** True (and remembered) when this token's use should be written now. */
  due(tokenSha256: string, now: number): boolean {
    if (now - (this.last.get(tokenSha256) ?? 0) < TOKEN_TOUCH_INTERVAL_MS) return false;
    this.last.set(tokenSha256, now);
    return true;
  }
}
