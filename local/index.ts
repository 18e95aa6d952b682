/**
 * The local stage's public entry for tools outside local/ (the operator tool): how to find a running stage
 * and ask it for what only the local stage can do. Nothing else of local/ is theirs to import.
 */
export { requestPromotion, runningStage, type StageFile } from './running-stage';
