export { connectionWorkflow } from './connection-workflow.ts';
export { userWorkflow } from './user-workflow.ts';
