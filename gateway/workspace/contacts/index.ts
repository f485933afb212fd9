export { CONTACT_CHANNELS, OTHER_AGENCY, createContactLogRepository, type ContactChannel, type ContactLogEntry, type ContactLogRepository } from './repository.js';
export { CHANNEL_LABELS, CONTACT_LOG_SYSTEM, channelOfType, contactRecord, contactReference } from './records.js';
export {
  MAX_ACCOUNT,
  MAX_ENTRIES_PER_SUBJECT,
  createContactLogService,
  type ContactLogAnswer,
  type ContactLogDisclosure,
  type ContactLogService,
  type DisclosedContactEntry,
  type LogContactInput,
} from './service.js';
