export { createEducationConnector, type EducationConnector, type EducationConnectorOptions } from './connector.js';
export { nodeDirectory, type DirectoryReader, type FileEntry } from './directory.js';
export type { FileProblem } from './catalogue.js';
export { isValidUpn, upnCheckLetter } from './upn.js';
export {
  CATEGORY as EDUCATION_CATEGORY,
  EDUCATION_CATEGORIES,
  SYSTEMS as EDUCATION_SYSTEMS,
  PERSISTENT_ABSENCE_BELOW,
  SEVERE_ABSENCE_BELOW,
} from './codes.js';
