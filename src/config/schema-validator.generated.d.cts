// Types of the validator scripts/generate-validator.mjs compiles from schema/fedlint.schema.json.
interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
declare function validate(data: unknown): boolean;
declare namespace validate {
  let errors: SchemaError[] | null | undefined;
}
export = validate;
