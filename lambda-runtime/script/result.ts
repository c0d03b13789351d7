import { resultData, type ResultData } from '../shared/result-data';

export type ScriptResult = ResultData;

/** The attributes of what a script returned (see lambda-runtime/shared/result-data.ts). */
export function resultToData(payload: string, logicalResourceId: string): ScriptResult {
  return resultData(payload, `Deployment script ${logicalResourceId} returned`);
}
