/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation ConsoleSignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nmutation ConsoleLogin($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nquery ConsoleMe {\n  me {\n    ...ConsoleViewer\n  }\n}\n\nfragment ConsoleViewer on User {\n  id\n  email\n  name\n  firm {\n    id\n    name\n  }\n}": typeof types.ConsoleSignUpDocument,
    "fragment ConsoleProject on Project {\n  id\n  name\n  clientName\n  status\n  isProcessing\n  currentStage\n  progress\n  errorMessage\n  updatedAt\n}\n\nfragment ConsoleRun on PipelineRun {\n  id\n  status\n  errorMessage\n  stages {\n    stage\n    status\n    progress\n  }\n}\n\nquery ConsoleProjects {\n  projects(first: 200) {\n    ...ConsoleProject\n  }\n}\n\nmutation ConsoleCreateProject($input: CreateProjectInput!) {\n  createProject(input: $input) {\n    ...ConsoleProject\n  }\n}\n\nquery ConsoleProjectDetail($id: ID!) {\n  project(id: $id) {\n    ...ConsoleProject\n    documents {\n      id\n      filename\n      sizeBytes\n      uploadedAt\n    }\n    latestRun {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleStartProcessing($projectId: ID!) {\n  startProcessing(projectId: $projectId) {\n    message\n    project {\n      ...ConsoleProject\n    }\n    run {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleCancelProcessing($projectId: ID!) {\n  cancelProcessing(projectId: $projectId) {\n    ...ConsoleProject\n  }\n}": typeof types.ConsoleProjectFragmentDoc,
    "query ConsoleReport($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    report {\n      generatedAt\n      years {\n        fiscalYear\n        currentRatio\n        totalOutsideLiabilitiesToNetWorth\n        netWorkingCapital\n        workingCapitalGap\n        mpbf\n        inventoryDays\n        receivableDays\n        payableDays\n      }\n    }\n  }\n}": typeof types.ConsoleReportDocument,
    "query ConsoleReviewItems($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    status\n    lineItems(needsReview: true, first: 1000) {\n      id\n      fiscalYear\n      statement\n      label\n      amount\n      head\n      confidence\n      needsReview\n    }\n  }\n}\n\nmutation ConsoleClassify($lineItemId: ID!, $head: String!) {\n  classifyLineItem(lineItemId: $lineItemId, head: $head) {\n    id\n    head\n    confidence\n    needsReview\n  }\n}": typeof types.ConsoleReviewItemsDocument,
    "subscription ConsoleProjectStatus($projectId: ID!, $afterSequence: Int) {\n  projectStatus(projectId: $projectId, afterSequence: $afterSequence) {\n    projectId\n    runId\n    sequence\n    status\n    stage\n    progress\n    message\n    errorMessage\n    at\n  }\n}": typeof types.ConsoleProjectStatusDocument,
};
const documents: Documents = {
    "mutation ConsoleSignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nmutation ConsoleLogin($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nquery ConsoleMe {\n  me {\n    ...ConsoleViewer\n  }\n}\n\nfragment ConsoleViewer on User {\n  id\n  email\n  name\n  firm {\n    id\n    name\n  }\n}": types.ConsoleSignUpDocument,
    "fragment ConsoleProject on Project {\n  id\n  name\n  clientName\n  status\n  isProcessing\n  currentStage\n  progress\n  errorMessage\n  updatedAt\n}\n\nfragment ConsoleRun on PipelineRun {\n  id\n  status\n  errorMessage\n  stages {\n    stage\n    status\n    progress\n  }\n}\n\nquery ConsoleProjects {\n  projects(first: 200) {\n    ...ConsoleProject\n  }\n}\n\nmutation ConsoleCreateProject($input: CreateProjectInput!) {\n  createProject(input: $input) {\n    ...ConsoleProject\n  }\n}\n\nquery ConsoleProjectDetail($id: ID!) {\n  project(id: $id) {\n    ...ConsoleProject\n    documents {\n      id\n      filename\n      sizeBytes\n      uploadedAt\n    }\n    latestRun {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleStartProcessing($projectId: ID!) {\n  startProcessing(projectId: $projectId) {\n    message\n    project {\n      ...ConsoleProject\n    }\n    run {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleCancelProcessing($projectId: ID!) {\n  cancelProcessing(projectId: $projectId) {\n    ...ConsoleProject\n  }\n}": types.ConsoleProjectFragmentDoc,
    "query ConsoleReport($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    report {\n      generatedAt\n      years {\n        fiscalYear\n        currentRatio\n        totalOutsideLiabilitiesToNetWorth\n        netWorkingCapital\n        workingCapitalGap\n        mpbf\n        inventoryDays\n        receivableDays\n        payableDays\n      }\n    }\n  }\n}": types.ConsoleReportDocument,
    "query ConsoleReviewItems($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    status\n    lineItems(needsReview: true, first: 1000) {\n      id\n      fiscalYear\n      statement\n      label\n      amount\n      head\n      confidence\n      needsReview\n    }\n  }\n}\n\nmutation ConsoleClassify($lineItemId: ID!, $head: String!) {\n  classifyLineItem(lineItemId: $lineItemId, head: $head) {\n    id\n    head\n    confidence\n    needsReview\n  }\n}": types.ConsoleReviewItemsDocument,
    "subscription ConsoleProjectStatus($projectId: ID!, $afterSequence: Int) {\n  projectStatus(projectId: $projectId, afterSequence: $afterSequence) {\n    projectId\n    runId\n    sequence\n    status\n    stage\n    progress\n    message\n    errorMessage\n    at\n  }\n}": types.ConsoleProjectStatusDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ConsoleSignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nmutation ConsoleLogin($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nquery ConsoleMe {\n  me {\n    ...ConsoleViewer\n  }\n}\n\nfragment ConsoleViewer on User {\n  id\n  email\n  name\n  firm {\n    id\n    name\n  }\n}"): (typeof documents)["mutation ConsoleSignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nmutation ConsoleLogin($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    token\n    user {\n      ...ConsoleViewer\n    }\n  }\n}\n\nquery ConsoleMe {\n  me {\n    ...ConsoleViewer\n  }\n}\n\nfragment ConsoleViewer on User {\n  id\n  email\n  name\n  firm {\n    id\n    name\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ConsoleProject on Project {\n  id\n  name\n  clientName\n  status\n  isProcessing\n  currentStage\n  progress\n  errorMessage\n  updatedAt\n}\n\nfragment ConsoleRun on PipelineRun {\n  id\n  status\n  errorMessage\n  stages {\n    stage\n    status\n    progress\n  }\n}\n\nquery ConsoleProjects {\n  projects(first: 200) {\n    ...ConsoleProject\n  }\n}\n\nmutation ConsoleCreateProject($input: CreateProjectInput!) {\n  createProject(input: $input) {\n    ...ConsoleProject\n  }\n}\n\nquery ConsoleProjectDetail($id: ID!) {\n  project(id: $id) {\n    ...ConsoleProject\n    documents {\n      id\n      filename\n      sizeBytes\n      uploadedAt\n    }\n    latestRun {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleStartProcessing($projectId: ID!) {\n  startProcessing(projectId: $projectId) {\n    message\n    project {\n      ...ConsoleProject\n    }\n    run {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleCancelProcessing($projectId: ID!) {\n  cancelProcessing(projectId: $projectId) {\n    ...ConsoleProject\n  }\n}"): (typeof documents)["fragment ConsoleProject on Project {\n  id\n  name\n  clientName\n  status\n  isProcessing\n  currentStage\n  progress\n  errorMessage\n  updatedAt\n}\n\nfragment ConsoleRun on PipelineRun {\n  id\n  status\n  errorMessage\n  stages {\n    stage\n    status\n    progress\n  }\n}\n\nquery ConsoleProjects {\n  projects(first: 200) {\n    ...ConsoleProject\n  }\n}\n\nmutation ConsoleCreateProject($input: CreateProjectInput!) {\n  createProject(input: $input) {\n    ...ConsoleProject\n  }\n}\n\nquery ConsoleProjectDetail($id: ID!) {\n  project(id: $id) {\n    ...ConsoleProject\n    documents {\n      id\n      filename\n      sizeBytes\n      uploadedAt\n    }\n    latestRun {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleStartProcessing($projectId: ID!) {\n  startProcessing(projectId: $projectId) {\n    message\n    project {\n      ...ConsoleProject\n    }\n    run {\n      ...ConsoleRun\n    }\n  }\n}\n\nmutation ConsoleCancelProcessing($projectId: ID!) {\n  cancelProcessing(projectId: $projectId) {\n    ...ConsoleProject\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ConsoleReport($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    report {\n      generatedAt\n      years {\n        fiscalYear\n        currentRatio\n        totalOutsideLiabilitiesToNetWorth\n        netWorkingCapital\n        workingCapitalGap\n        mpbf\n        inventoryDays\n        receivableDays\n        payableDays\n      }\n    }\n  }\n}"): (typeof documents)["query ConsoleReport($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    report {\n      generatedAt\n      years {\n        fiscalYear\n        currentRatio\n        totalOutsideLiabilitiesToNetWorth\n        netWorkingCapital\n        workingCapitalGap\n        mpbf\n        inventoryDays\n        receivableDays\n        payableDays\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ConsoleReviewItems($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    status\n    lineItems(needsReview: true, first: 1000) {\n      id\n      fiscalYear\n      statement\n      label\n      amount\n      head\n      confidence\n      needsReview\n    }\n  }\n}\n\nmutation ConsoleClassify($lineItemId: ID!, $head: String!) {\n  classifyLineItem(lineItemId: $lineItemId, head: $head) {\n    id\n    head\n    confidence\n    needsReview\n  }\n}"): (typeof documents)["query ConsoleReviewItems($projectId: ID!) {\n  project(id: $projectId) {\n    id\n    status\n    lineItems(needsReview: true, first: 1000) {\n      id\n      fiscalYear\n      statement\n      label\n      amount\n      head\n      confidence\n      needsReview\n    }\n  }\n}\n\nmutation ConsoleClassify($lineItemId: ID!, $head: String!) {\n  classifyLineItem(lineItemId: $lineItemId, head: $head) {\n    id\n    head\n    confidence\n    needsReview\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ConsoleProjectStatus($projectId: ID!, $afterSequence: Int) {\n  projectStatus(projectId: $projectId, afterSequence: $afterSequence) {\n    projectId\n    runId\n    sequence\n    status\n    stage\n    progress\n    message\n    errorMessage\n    at\n  }\n}"): (typeof documents)["subscription ConsoleProjectStatus($projectId: ID!, $afterSequence: Int) {\n  projectStatus(projectId: $projectId, afterSequence: $afterSequence) {\n    projectId\n    runId\n    sequence\n    status\n    stage\n    progress\n    message\n    errorMessage\n    at\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;