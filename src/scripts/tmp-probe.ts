import { getSchema } from '../schema/index.js';
import { PIPELINE_STAGES } from '../entities/index.js';
const t = getSchema().getType('PipelineStage') as any;
console.log(PIPELINE_STAGES, t.getValues().map((v: any) => v.name));
