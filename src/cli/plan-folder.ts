// The plan.json of a folder of replication runs (replicate's --out, models' --work).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReplication, type ReplicationPlan } from '../lab';
import { readJsonObject, UsageError } from './io';

/**
 * A folder of runs (replicate's --out, models' --work) is reused only for the plan it was made
 * for: false if it has no plan.json yet, true if its plan is `plan`, a usage error otherwise.
 */
export function checkPlanFolder(dir: string, plan: ReplicationPlan, option: string): boolean {
  const planPath = join(dir, 'plan.json');
  if (!existsSync(planPath)) return false;
  let earlier: ReplicationPlan;
  try {
    earlier = parseReplication(readJsonObject(planPath, 'replication plan'));
  } catch (err) {
    throw new UsageError(
      `${planPath} cannot be read (${(err as Error).message.split('\n')[0]}): it is the plan of the runs in ${dir}; use another ${option}, or remove that folder to start again`,
      { cause: err },
    );
  }
  if (JSON.stringify(earlier) !== JSON.stringify(plan))
    throw new UsageError(
      `${dir} holds a different replication plan (see its plan.json); use another ${option}`,
    );
  return true;
}

export function writePlan(dir: string, plan: ReplicationPlan): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
}
