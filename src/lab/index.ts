// Experiments: one config, one runner, typed events.
export * from './config';
export * from './trace-options';
export * from './events';
export * from './runner';
export * from './step-metrics';
export * from './charts';
export * from './records';
export * from './survey';
export * from './replication';
export * from './validate';
export * from './verl-export';
