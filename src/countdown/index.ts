// The Countdown world: problems, the exact solver, prompts and the reward.
export * from './fraction';
export * from './solver';
export * from './problems';
export * from './prompt';
export * from './reward';
export { pyEval, pyRepr, PyError, type PyValue } from './pyexpr';
