export * from './types.js';
export { createEnquiryRepository, type EnquiryRepository, type EnquiryRepositoryHooks } from './repository.js';
export { createEnquiryService, MANAGER_ROLES, type AddMemberInput, type ConsentInput, type SeenActorLookup, type EnquiryService, type LinkPersonInput, type LinkSubjectInput, type OpenEnquiryInput, type UnlinkSubjectInput } from './service.js';
export { createReviewRepository, type ReviewHooks, type ReviewRepository, type ReviewRequest, type ReviewStatus } from './reviews.js';
export { createSearchShownRepository, type SearchShownRepository, type ShownPerson } from './search-shown.js';
