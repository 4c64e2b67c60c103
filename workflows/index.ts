export { connectionWorkflow } from './connection-workflow.ts';
export { providerNoticeWorkflow } from './provider-notice-workflow.ts';
export { userWorkflow } from './user-workflow.ts';
export { reconciliationWorkflow } from './reconciliation-workflow.ts';
