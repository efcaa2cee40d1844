// The paper's experiment in miniature (paper-facts.md §6-7): its plan, the paper's numbers, the
// summary and findings of a replication's runs, and its report. The CLI (`habits-lab replicate`)
// runs the plan; the page runs the same configs one after another.
export * from './paper';
export * from './plan';
export * from './summary';
export * from './report';
