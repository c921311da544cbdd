'use strict';
// Validates rendered Kubernetes manifests offline, strictly. Run by .ci/k8s-check:
//
//   node validate.cjs --modules DIR [--self-test] FILE.yaml
//
// DIR holds the node_modules installed from package-lock.json next to this file. Every object
// in FILE must pass two checks, both built from the Kubernetes 1.27 OpenAPI definitions that the
// kubernetes-models package ships:
//
//  1. JSON Schema: the package's precompiled (ajv) validator for the object's apiVersion/kind:
//     types, required fields, int32/int-or-string formats. Those schemas, like the OpenAPI they
//     come from, accept unknown fields, so:
//  2. Unknown fields: the object is compiled by the TypeScript compiler as an object literal of the
//     package's declared type for that kind (IDeployment, IService, ...). TypeScript rejects any
//     property a type does not declare, at every depth ("excess property" errors), and checks
//     types and required fields a second time. Free-form maps (labels, data, ...) are index
//     signatures there and accept any key, as the API does.
//
// An apiVersion/kind the package does not know is an error too. --self-test then breaks copies of
// the first Deployment (an unknown field at the top of spec, one inside a container, a wrong type)
// and fails unless each is reported: proof, on every run, that the check is strict.
// TypeScript may report only the first problem inside one object literal; fix and rerun.

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

function parseArgs(argv) {
  const opts = { modules: null, selfTest: false, file: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--modules') opts.modules = argv[++i];
    else if (a === '--self-test') opts.selfTest = true;
    else if (!opts.file && !a.startsWith('--')) opts.file = a;
    else throw new Error(`unexpected argument: ${a}`);
  }
  if (!opts.modules || !opts.file) {
    throw new Error('usage: node validate.cjs --modules DIR [--self-test] FILE.yaml');
  }
  opts.modules = path.resolve(opts.modules);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const req = createRequire(path.join(opts.modules, 'package.json'));
const YAML = req('yaml');
const ts = req('typescript');

/** "apps/v1" + "Deployment" -> "kubernetes-models/apps/v1/Deployment"; core "v1" -> ".../v1/..." */
function modelModule(apiVersion, kind) {
  const parts = String(apiVersion).split('/');
  const groupVersion = parts.length === 1 ? parts[0] : `${parts[0]}/${parts[1]}`;
  return `kubernetes-models/${groupVersion}/${kind}`;
}

function label(obj, index) {
  const name = obj && obj.metadata && obj.metadata.name;
  return `#${index} ${obj && obj.kind}/${name}`;
}

function loadObjects(text) {
  const errors = [];
  const objects = [];
  const docs = YAML.parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  for (const doc of docs) {
    for (const e of [...doc.errors, ...doc.warnings]) errors.push(`YAML: ${e.message}`);
    const obj = doc.toJS();
    if (obj == null) continue;
    if (typeof obj !== 'object' || Array.isArray(obj)) {
      errors.push(`YAML: a document is not a mapping: ${JSON.stringify(obj).slice(0, 80)}`);
      continue;
    }
    objects.push(obj);
  }
  return { objects, errors };
}

/** Layer 1: the JSON Schema validator of the object's kind. */
function schemaErrors(obj, index) {
  const where = label(obj, index);
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    return [`${where}: apiVersion and kind must be strings`];
  }
  if (!obj.metadata || typeof obj.metadata.name !== 'string') {
    return [`${where}: metadata.name is missing`];
  }
  let Model;
  try {
    Model = req(modelModule(obj.apiVersion, obj.kind))[obj.kind];
  } catch (e) {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    return [`${where}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    const list = Array.isArray(e.errors) ? e.errors : [];
    if (list.length === 0) return [`${where}: ${e.message}`];
    return list.map((err) => `${where}: schema: ${err.instancePath || '/'} ${err.message}`);
  }
}

/** The JSON path of the innermost object-literal node at pos, e.g. /spec/template/spec/containers/0/x */
function jsonPathAt(sourceFile, pos) {
  let node = sourceFile;
  for (;;) {
    const child = node.getChildren(sourceFile).find((c) => c.getStart(sourceFile) <= pos && pos < c.getEnd());
    if (!child) break;
    node = child;
  }
  const segments = [];
  let objectIndex = null;
  for (let n = node; n; n = n.parent) {
    if (ts.isPropertyAssignment(n)) {
      segments.unshift(n.name.text !== undefined ? n.name.text : n.name.getText(sourceFile));
    } else if (n.parent && ts.isArrayLiteralExpression(n.parent)) {
      segments.unshift(String(n.parent.elements.indexOf(n)));
    } else if (ts.isVariableDeclaration(n)) {
      objectIndex = Number(n.name.getText(sourceFile).slice(1));
      break;
    } else if (ts.isImportDeclaration(n)) {
      const m = / as T(\d+) /.exec(n.getText(sourceFile));
      objectIndex = m ? Number(m[1]) : null;
      break;
    }
  }
  return { objectIndex, path: '/' + segments.join('/') };
}

/** Layer 2: unknown fields (and types once more), through the declared types of the kinds. */
function typeErrors(objects) {
  const checkable = objects
    .map((obj, index) => ({ obj, index }))
    .filter(({ obj }) => typeof obj.apiVersion === 'string' && typeof obj.kind === 'string');
  if (checkable.length === 0) return [];
  const lines = [];
  for (const { obj, index } of checkable) {
    lines.push(`import type { I${obj.kind} as T${index} } from ${JSON.stringify(modelModule(obj.apiVersion, obj.kind))};`);
  }
  for (const { obj, index } of checkable) {
    lines.push(`export const o${index}: T${index} = ${JSON.stringify(obj, null, 2)};`);
  }
  const file = path.join(opts.modules, `manifests-check-${process.pid}.ts`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  try {
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      lib: ['lib.es2020.d.ts'],
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
    });
    const sourceFile = program.getSourceFile(file);
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      if (d.file !== sourceFile || d.start === undefined) {
        return `typescript: ${text}`;
      }
      const at = jsonPathAt(sourceFile, d.start);
      const where = at.objectIndex === null ? '?' : label(objects[at.objectIndex], at.objectIndex);
      if (/has no exported member|Cannot find module/.test(text)) {
        return `${where}: no type for apiVersion/kind (${text})`;
      }
      return `${where}: ${at.path}: ${text}`;
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function validate(objects) {
  const errors = [];
  objects.forEach((obj, index) => errors.push(...schemaErrors(obj, index)));
  errors.push(...typeErrors(objects));
  return errors;
}

function selfTest(objects) {
  const index = objects.findIndex((o) => o.kind === 'Deployment');
  if (index < 0) return ['self-test: no Deployment to break'];
  // One defect per copy: TypeScript may report only the first problem of one object literal.
  const copy = () => JSON.parse(JSON.stringify(objects[index]));
  const unknownTop = copy();
  unknownTop.spec.bogusField = true;
  const unknownDeep = copy();
  unknownDeep.spec.template.spec.containers[0].bogusContainerField = 'x';
  const wrongType = copy();
  wrongType.spec.replicas = 'three';
  const errors = validate([unknownTop, unknownDeep, wrongType]);
  const expected = [
    /^#0 .*\/spec\/bogusField: /,
    /^#1 .*\/spec\/template\/spec\/containers\/0\/bogusContainerField: /,
    /^#2 .*\/spec\/replicas/,
  ];
  const missing = expected.filter((re) => !errors.some((e) => re.test(e)));
  for (const e of errors) console.log(`  self-test, expected: ${e}`);
  return missing.map((re) => `self-test: the validator did not report ${re} (not strict?)`);
}

const { objects, errors: parseErrors } = loadObjects(fs.readFileSync(opts.file, 'utf8'));
const errors = [...parseErrors];
if (objects.length === 0) errors.push('no objects found');
errors.push(...validate(objects));
for (const e of errors) console.log(`ERROR ${e}`);
if (errors.length === 0) {
  for (const [i, o] of objects.entries()) console.log(`ok ${label(o, i)} (${o.apiVersion})`);
}

let selfTestErrors = [];
if (opts.selfTest && errors.length === 0) {
  selfTestErrors = selfTest(objects);
  for (const e of selfTestErrors) console.log(`ERROR ${e}`);
  if (selfTestErrors.length === 0) console.log('self-test: unknown fields and wrong types are rejected');
}

const failed = errors.length + selfTestErrors.length;
console.log(failed === 0 ? `${objects.length} objects valid` : `${failed} error(s)`);
process.exit(failed === 0 ? 0 : 1);
