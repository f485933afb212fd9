export { CONCERN_CATEGORIES, concernCategory, type ConcernCategory } from './concern-categories.js';
export { defaultQueueSettings, queueConfigSchema, queueSettings, type QueueConfigInput, type QueueSettings } from './config.js';
export { accessEnd, computedDeadline, latestDeadline, planDeadline, type DeadlinePlan } from './deadline.js';
export { createReferralIntake, REFERRAL_SOURCE_KINDS, type ReferralIntakeService, type ReferralRecord, type ReferralSource } from './intake.js';
export { createQueueRepository, type Assignment, type DeadlineChange, type QueueIndicators, type QueueRepository, type RemovedMember } from './repository.js';
export { createQueueService, isTeamManager, QUEUE_ROLES, type QueueEntry, type QueueFilter, type QueuePage, type QueueService } from './service.js';
export { addWorkingDays, addWorkingTime, type WorkingCalendar } from './working-time.js';
