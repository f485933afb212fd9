export { NHS_NUMBER_SYSTEM, nhsNumberCheckDigit, normaliseNhsNumber } from './nhs-number.js';
