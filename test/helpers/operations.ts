/** GraphQL documents the end-to-end tests share. */
export const START = `mutation($id: ID!, $restart: Boolean) {
  startProcessing(projectId: $id, options: { restart: $restart }) {
    message project { id status isProcessing progress errorMessage } run { id status stages { stage status } } } }`;
export const PROJECT = `query($id: ID!) { project(id: $id) {
  status isProcessing currentStage progress errorMessage
  latestRun { id status errorMessage finishedAt stages { stage status progress } } runs { id status } } }`;
export const STATUS = `subscription($id: ID!, $after: Int) { projectStatus(projectId: $id, afterSequence: $after) {
  projectId runId sequence status stage progress message errorMessage at } }`;

export interface StatusEvent {
  projectStatus: {
    projectId: string;
    sequence: number;
    status: string;
    stage: string | null;
    progress: number;
    message: string | null;
    errorMessage: string | null;
    runId: string | null;
    at: string;
  };
}
