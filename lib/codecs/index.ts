export { AsyncTaskStatus } from './async-task-status.js';
export { CeleryStatus } from './celery-status.js';
export { BusinessResult, BusinessSuccess, BusinessError } from './business-result.js';
export { ValidationErrorDetail, type ValidationLevel, type ValidationSource } from './validation-error-detail.js';
export { ApiError } from './api-error.js';
export { HttpValidationError } from './http-validation-error.js';
export { RESULT_BOUNDS } from './json-bounds.js';
