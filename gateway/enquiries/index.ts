export * from './types.js';
export { createEnquiryRepository, type EnquiryRepository } from './repository.js';
export { createEnquiryService, type EnquiryService, type LinkSubjectInput, type OpenEnquiryInput } from './service.js';
