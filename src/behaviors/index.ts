// The four habits: priming traces for every paper condition, and a local classifier.
export * from './types';
export * from './phrases';
export * from './traces';
export * from './classify';
export * from './metrics';
export * from './judge';
export * from './pretraining';
export * from './vocabulary';
