// Rewards, KL penalties and advantages, on plain arrays (one number per response token).
// Everything here is computed on the host, once per rollout batch.

export type KlEstimator = 'k1' | 'k3';

/**
 * An estimate of KL(policy || reference) at one sampled token, from the two log-probabilities.
 *   k1 = log p - log p_ref                                 (unbiased, can be negative; TinyZero's)
 *   k3 = (p_ref / p - 1) - log(p_ref / p)                  (unbiased, always >= 0; Schulman's)
 */
export function klEstimate(logp: number, refLogp: number, estimator: KlEstimator): number {
  const logRatio = refLogp - logp; // log(p_ref / p)
  return estimator === 'k1' ? -logRatio : Math.expm1(logRatio) - logRatio;
}

/** Per-token rewards: the KL penalty at every token, and the task score added on the last one. */
export function tokenRewards(score: number, kl: readonly number[], klCoef: number): number[] {
  const rewards = kl.map((k) => -klCoef * k);
  if (rewards.length > 0) rewards[rewards.length - 1] += score;
  return rewards;
}

/**
 * Generalized advantage estimation over one response.
 *   delta_t = r_t + gamma * V_{t+1} - V_t            (V after the last token is 0)
 *   A_t     = delta_t + gamma * lambda * A_{t+1}
 *   R_t     = A_t + V_t                              (the value targets)
 */
export function gae(
  rewards: readonly number[],
  values: readonly number[],
  gamma: number,
  lambda: number,
): { advantages: number[]; returns: number[] } {
  const n = rewards.length;
  const advantages = new Array<number>(n).fill(0);
  let next = 0;
  for (let t = n - 1; t >= 0; t--) {
    const nextValue = t + 1 < n ? values[t + 1] : 0;
    const delta = rewards[t] + gamma * nextValue - values[t];
    next = delta + gamma * lambda * next;
    advantages[t] = next;
  }
  return { advantages, returns: advantages.map((a, t) => a + values[t]) };
}

/**
 * A group baseline (GRPO-style): responses to the same prompt are compared with each other.
 *   A_i = (R_i - mean(R_group)) / (std(R_group) + eps)     (or without the division)
 * `returns` are the total rewards, consecutive groups of `groupSize` share a prompt.
 */
export function groupAdvantages(
  returns: readonly number[],
  groupSize: number,
  divideByStd = true,
  eps = 1e-6,
): number[] {
  if (groupSize < 1 || returns.length % groupSize !== 0)
    throw new Error(`${returns.length} responses do not split into groups of ${groupSize}`);
  const out: number[] = [];
  for (let g = 0; g < returns.length; g += groupSize) {
    const group = returns.slice(g, g + groupSize);
    const mean = group.reduce((a, b) => a + b, 0) / groupSize;
    const std = Math.sqrt(group.reduce((a, b) => a + (b - mean) ** 2, 0) / groupSize);
    for (const r of group) out.push(divideByStd ? (r - mean) / (std + eps) : r - mean);
  }
  return out;
}

/** Normalize advantages over every token of a batch to mean 0 and standard deviation 1. */
export function whiten(rows: readonly (readonly number[])[], eps = 1e-8): number[][] {
  const all = rows.flat();
  if (all.length === 0) return rows.map((r) => [...r]);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  return rows.map((r) => r.map((x) => (x - mean) / (std + eps)));
}
