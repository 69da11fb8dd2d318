/** The lab's version, recorded in every run's config and policy file. Kept in step with package.json. */
export const LAB_VERSION = '0.1.0';
