// Training: SFT priming and PPO.
export * from './optim';
export * from './batch';
export * from './grads';
export * from './sft';
export * from './advantages';
export * from './losses';
export * from './ppo';
export * from './evaluate';
