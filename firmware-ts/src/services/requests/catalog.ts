// The request catalog: types (each with its deadline rule and its categories) and the
// authorities responsible for an answer. Part of what citizens bring belongs to the
// metropolitan municipality (Bursa Büyükşehir) or its water utility (BUSKİ), so a request
// names who must answer it, and for İnegöl's own departments which one.
import { RequestError } from './errors.js';
import type { DeadlineRule } from './calendar.js';

export interface CatalogEntry {
  id: string;
  label: string;
}

export interface RequestType extends CatalogEntry {
  /** bilgi_edinme: Law 4982's fields and 15 working days; petition: 30 days (Law 3071); none: no answer time. */
  rule: DeadlineRule;
  categories: CatalogEntry[];
}

export interface Authority extends CatalogEntry {
  /** When present, a request must name one of them. */
  departments?: CatalogEntry[];
  /** The department is free text (the name of the other body); optional. */
  freeText?: boolean;
}

export interface Catalog {
  types: RequestType[];
  authorities: Authority[];
}

export interface ResolvedAuthority {
  id: string;
  label: string;
  department: string | null;
  departmentLabel: string | null;
}

const known = (xs: readonly CatalogEntry[]) => xs.map((x) => x.id).join(', ');

export function resolveType(cat: Catalog, id: string): RequestType {
  const t = cat.types.find((x) => x.id === id);
  if (!t) throw new RequestError('UNKNOWN_TYPE', `type: "${id}" is not a request type (${known(cat.types)})`, { field: 'type', known: cat.types.map((x) => x.id) });
  return t;
}

export function resolveCategory(type: RequestType, id: string): CatalogEntry {
  const c = type.categories.find((x) => x.id === id);
  if (!c) {
    throw new RequestError('UNKNOWN_CATEGORY', `category: "${id}" is not a category of ${type.id} (${known(type.categories)})`, {
      field: 'category',
      known: type.categories.map((x) => x.id),
    });
  }
  return c;
}

export function resolveAuthority(cat: Catalog, id: string, department: string | undefined): ResolvedAuthority {
  const a = cat.authorities.find((x) => x.id === id);
  if (!a) {
    throw new RequestError('UNKNOWN_AUTHORITY', `authority: "${id}" is not an authority (${known(cat.authorities)})`, { field: 'authority', known: cat.authorities.map((x) => x.id) });
  }
  if (a.departments?.length) {
    if (department === undefined) throw new RequestError('MISSING_FIELDS', `department: is required for ${a.id} (${known(a.departments)})`, { fields: ['department'] });
    const d = a.departments.find((x) => x.id === department);
    if (!d) {
      throw new RequestError('UNKNOWN_AUTHORITY', `department: "${department}" is not a department of ${a.id} (${known(a.departments)})`, {
        field: 'department',
        known: a.departments.map((x) => x.id),
      });
    }
    return { id: a.id, label: a.label, department: d.id, departmentLabel: d.label };
  }
  if (department !== undefined && !a.freeText) {
    throw new RequestError('UNKNOWN_AUTHORITY', `department: ${a.id} has no departments; leave it out`, { field: 'department' });
  }
  return { id: a.id, label: a.label, department: department ?? null, departmentLabel: department ?? null };
}

/** Cross-field rules of a configured catalog, as config errors under `base`. */
export function catalogErrors(cat: Catalog, base: string): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  const unique = (xs: readonly CatalogEntry[], path: string) => {
    const seen = new Set<string>();
    xs.forEach((x, i) => {
      if (seen.has(x.id)) errors.push({ path: `${path}[${i}].id`, message: `"${x.id}" is used twice` });
      seen.add(x.id);
    });
  };
  unique(cat.types, `${base}.types`);
  cat.types.forEach((t, i) => unique(t.categories, `${base}.types[${i}].categories`));
  unique(cat.authorities, `${base}.authorities`);
  cat.authorities.forEach((a, i) => {
    if (a.departments) unique(a.departments, `${base}.authorities[${i}].departments`);
    if (a.departments?.length && a.freeText) errors.push({ path: `${base}.authorities[${i}].freeText`, message: 'cannot be set together with departments' });
  });
  return errors;
}
