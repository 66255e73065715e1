import { registerDecorator, ValidationOptions } from 'class-validator';

const KEY = /^[A-Za-z0-9_./-]{1,63}$/;

/** Labels are a flat map of short keys to short strings, at most 32 of them. */
export function IsLabelMap(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLabelMap',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must map at most 32 keys (letters, digits, _ . / -) to strings of at most 256 characters`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= 32 &&
            entries.every(([k, v]) => KEY.test(k) && typeof v === 'string' && v.length <= 256)
          );
        },
      },
    });
}
