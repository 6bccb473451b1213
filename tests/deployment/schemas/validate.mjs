// Validates Kubernetes objects of the operators' kinds (CloudNativePG, KEDA) against the
// operators' CRD schemas, as the npm packages of package.json carry them.
//
//   node validate.mjs < objects.json      (a JSON list of objects)
//
// Prints a JSON list with one entry per object: {kind, name, errors}; an object of a kind
// that none of the packages knows has the error "unknown kind". Besides the schemas' own
// checks (types, enums, required fields), a field the schema does not name is an error, as
// `kubectl apply` (strict field validation) treats it: the schemas alone let it through.
import * as cnpg from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";

const MODELS = new Map();
for (const module of [cnpg, keda]) {
  for (const model of Object.values(module)) {
    if (typeof model === "function" && model.apiVersion && model.kind) {
      MODELS.set(`${model.apiVersion}/${model.kind}`, model);
    }
  }
}

// values of two different JSON types: a typed field refuses at least one of them
const PROBES = [true, [[]]];

function schemaErrors(Model, object) {
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    return error.errors.map((found) => ({ path: found.instancePath, message: found.message }));
  }
}

function pointer(path) {
  return path.map((key) => `/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

function withValue(object, path, value) {
  const copy = structuredClone(object);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)] = value;
  return copy;
}

// A field is known when the schema refuses a wrong value in it: replaced by each probe in
// turn, an error shows up at its path for at least one. A field nothing is refused in is
// one the schema does not describe (its parents are known, so it is not free-form).
function unknownFields(Model, object, node = object, path = []) {
  const unknown = [];
  const entries = Array.isArray(node) ? node.map((value, index) => [index, value]) : Object.entries(node);
  for (const [key, value] of entries) {
    const here = [...path, key];
    if (!Array.isArray(node)) {
      const at = pointer(here);
      const checked = PROBES.some((probe) =>
        schemaErrors(Model, withValue(object, here, probe)).some(
          (error) => error.path === at || error.path.startsWith(`${at}/`),
        ),
      );
      if (!checked) {
        unknown.push({ path: at, message: "is not a field of this kind" });
        continue;
      }
    }
    if (value !== null && typeof value === "object") {
      unknown.push(...unknownFields(Model, object, value, here));
    }
  }
  return unknown;
}

function validate(object) {
  const kind = `${object.apiVersion}/${object.kind}`;
  const name = object.metadata?.name ?? "";
  const Model = MODELS.get(kind);
  if (!Model) return { kind, name, errors: [{ path: "", message: "unknown kind" }] };
  const errors = schemaErrors(Model, object);
  if (errors.length === 0) errors.push(...unknownFields(Model, object));
  return { kind, name, errors };
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(JSON.stringify(objects.map(validate)));
