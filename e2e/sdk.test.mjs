// HighLevel's official Node SDK (`@gohighlevel/api-client`, pinned 3.1.0) against our `/v2`
// API, unchanged except its base URL. Every companies, locations, users and contacts method
// the server implements is called with HighLevel's documented request shapes (the examples
// of HighLevel's OpenAPI specs), and the answers are checked against HighLevel's response
// shapes; refusals are checked as the SDK surfaces them (`GHLError` subclass, `statusCode`,
// `message` taken from the body's `message`).
//
// One server for the file; every test seeds an agency of its own, so any test runs alone.
// When a test fails, the SDK's last requests and our answers are printed as diagnostics.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  GHLAuthenticationError,
  GHLError,
  GHLForbiddenError,
  GHLNotFoundError,
  GHLValidationError,
  HighLevel,
} from "@gohighlevel/api-client";

import { PASSWORD, createTenant, startApp, uniqueId } from "./support.mjs";

const SDK_DEFAULT_VERSION = "2023-02-21";
// HighLevel's sentence, then the scope the endpoint needs.
const SCOPE_REFUSED = /^The token is not authorized for this scope: this endpoint needs [a-z]+\.(readonly|write)$/;
const LOCATION_REFUSED = "The token does not have access to this location";
const ADMINS_REFUSED = "The token cannot manage admins";
const COMPANY_REFUSED = "The token does not have access to this company";

let app;

before(async () => {
  app = await startApp();
});

after(async () => {
  await app?.stop();
});

// ---------------------------------------------------------------------------------------
// Helpers

/** A private integration's token, made with the server's CLI (`sub` for a sub-account's). */
function token(tenant, scopes, { sub } = {}) {
  const args = ["integration", "create", "--agency", tenant.agency, "--name", `SDK ${uniqueId()}`];
  if (sub) args.push("--subaccount", sub);
  for (const scope of scopes) args.push("--scope", scope);
  return app.cli(args);
}

/** Another sub-account of the tenant's agency. */
function addSubAccount(tenant, name = "Second Street Dental") {
  return app.cli(["subaccount", "create", "--agency", tenant.agency, "--name", name]);
}

/**
 * The SDK as a customer would use it, pointed at our server. Every request it sends and
 * our answer are appended to `log` (for the diagnostics of a failing test and for checks
 * of the headers it sent).
 */
function connect(log, privateIntegrationToken, config = {}) {
  HighLevel.BASE_URL = `${app.base}/v2`;
  const ghl = new HighLevel({ privateIntegrationToken, logLevel: "none", ...config });
  const http = ghl.getHttpClient();
  // Axios runs request interceptors last-registered first: this one records the config
  // object, which the SDK's own interceptor (run next) completes before it is sent.
  http.interceptors.request.use((request) => {
    log.push({ request, http });
    return request;
  });
  // Response interceptors run in order: the SDK's has already turned a failure into a GHLError.
  const entryOf = (request) => log.findLast((entry) => entry.request === request);
  http.interceptors.response.use(
    (response) => {
      const entry = entryOf(response.config);
      if (entry) Object.assign(entry, { status: response.status, body: response.data });
      return response;
    },
    (error) => {
      const entry = log.at(-1);
      if (entry && entry.status === undefined) Object.assign(entry, { status: error.statusCode, body: error.response });
      throw error;
    },
  );
  return ghl;
}

/** One exchange, readable: `PUT http://…/v2/contacts/… Version=… body=… → 200 {…}`. */
function exchangeText(entry) {
  const { request, http, status, body } = entry;
  // Axios replaces `data` with its JSON text when it sends it.
  const data = typeof request.data === "string" ? request.data : JSON.stringify(request.data);
  const sent = request.data === undefined ? "" : ` body=${data}`;
  return `${request.method?.toUpperCase()} ${http.getUri(request)} Version=${versionSent(entry)}${sent} → ${status} ${JSON.stringify(body)}`;
}

/**
 * A test with a tenant of its own and `connect(token, config)` for SDK clients; on failure
 * the last exchanges are printed.
 */
function sdkTest(name, body) {
  test(name, async (t) => {
    const log = [];
    const tenant = createTenant(app);
    try {
      await body({ t, tenant, log, connect: (pit, config) => connect(log, pit, config) });
    } catch (error) {
      for (const entry of log.slice(-3)) t.diagnostic(exchangeText(entry));
      throw error;
    }
  });
}

/** The `Version` header of a recorded request. */
function versionSent(entry) {
  return entry.request.headers?.Version ?? entry.request.headers?.get?.("Version");
}

/** Awaits an SDK call that must fail, and checks the error the SDK throws. */
async function refused(call, { type, status, message }) {
  await assert.rejects(call, (error) => {
    assert.ok(error instanceof GHLError, `a GHLError, not ${error?.constructor?.name}: ${error?.message}`);
    assert.ok(error instanceof type, `a ${type.name}, not ${error.constructor.name} (${error.statusCode}: ${error.message})`);
    assert.equal(error.statusCode, status, `status of ${JSON.stringify(error.response)}`);
    if (message instanceof RegExp) assert.match(error.message, message);
    else assert.equal(error.message, message);
    assert.equal(typeof error.response, "object", "the raw error body is kept as e.response");
    assert.equal(error.response.statusCode, status, "the error body carries statusCode");
    return true;
  });
}

const ids = (records) => records.map((record) => record.id);
const sameMembers = (actual, expected, what) => assert.deepEqual([...actual].sort(), [...expected].sort(), what);

/** HighLevel's user record: `type`/`role`/`locationIds` nested under `roles`. */
function assertUser(user, person, { type, role, locationIds }) {
  assert.equal(user.id, person.id);
  assert.equal(user.email, person.email);
  assert.equal(typeof user.firstName, "string");
  assert.equal(typeof user.lastName, "string");
  assert.equal(user.name, `${user.firstName} ${user.lastName}`.trim());
  assert.equal(typeof user.permissions, "object");
  assert.equal(user.roles.type, type);
  assert.equal(user.roles.role, role);
  sameMembers(user.roles.locationIds, locationIds, "roles.locationIds");
  assert.equal(user.roles.restrictSubAccount, type === "account");
  for (const field of ["type", "role", "locationIds"]) assert.ok(!(field in user), `${field} is nested in roles, not top-level`);
}

/** HighLevel's example contact (CreateContactDto of the spec), made unique. */
function exampleContact(locationId, overrides = {}) {
  const id = uniqueId();
  return {
    firstName: "Rosan",
    lastName: "Deo",
    name: "Rosan Deo",
    email: `rosan-${id}@deos.com`,
    locationId,
    gender: "male",
    phone: "+1 888-888-8888",
    address1: "3535 1st St N",
    city: "Dolomite",
    state: "AL",
    postalCode: "35061",
    website: "https://www.tesla.com",
    timezone: "America/Chihuahua",
    dnd: true,
    tags: ["nisi sint commodo amet", "consequat"],
    source: "public api",
    dateOfBirth: "1990-09-25",
    country: "US",
    companyName: "DGS VolMAX",
    ...overrides,
  };
}

const CONTACT_SCOPES = ["contacts.readonly", "contacts.write"];

// ---------------------------------------------------------------------------------------
// Version header

sdkTest("SDK: Version header — the default 2023-02-21, an explicit 2021-07-28 and a per-call override all work", async ({ tenant, log, connect }) => {
  const pit = token(tenant, ["companies.readonly", "locations.readonly"]);

  const byDefault = connect(pit);
  const { company } = await byDefault.companies.getCompany({ companyId: tenant.agency });
  assert.equal(company.id, tenant.agency);
  assert.equal(versionSent(log.at(-1)), SDK_DEFAULT_VERSION);

  const explicit = connect(pit, { apiVersion: "2021-07-28" });
  const { location } = await explicit.locations.getLocation({ locationId: tenant.subAccount });
  assert.equal(location.id, tenant.subAccount);
  assert.equal(versionSent(log.at(-1)), "2021-07-28");
  assert.equal((await explicit.companies.getCompany({ companyId: tenant.agency })).company.id, tenant.agency);
  assert.equal(versionSent(log.at(-1)), "2021-07-28");

  // HighLevel's documented way to pick a version for one call.
  const one = await byDefault.locations.getLocation({ locationId: tenant.subAccount }, { headers: { Version: "2021-04-15" } });
  assert.equal(one.location.id, tenant.subAccount);
  assert.equal(versionSent(log.at(-1)), "2021-04-15");
});

// ---------------------------------------------------------------------------------------
// Companies

sdkTest("SDK: companies — getCompany", async ({ tenant, connect }) => {
  const ghl = connect(token(tenant, ["companies.readonly"]));
  const answer = await ghl.companies.getCompany({ companyId: tenant.agency });
  assert.deepEqual(Object.keys(answer), ["company"], "GetCompanyByIdSuccessfulResponseDto is {company}");
  const { company } = answer;
  assert.equal(company.id, tenant.agency);
  assert.equal(company.name, tenant.agencyName);
  assert.equal(company.customerType, "agency");
  assert.equal(company.locationCount, 1);
});

// ---------------------------------------------------------------------------------------
// Locations

sdkTest("SDK: locations — searchLocations and getLocation, agency and sub-account tokens", async ({ tenant, connect }) => {
  const second = addSubAccount(tenant);
  const agency = connect(token(tenant, ["locations.readonly"]));

  const all = await agency.locations.searchLocations({ companyId: tenant.agency, skip: "0", limit: "10", order: "asc" });
  assert.deepEqual(Object.keys(all), ["locations"], "SearchSuccessfulResponseDto is {locations}");
  assert.deepEqual(ids(all.locations), [tenant.subAccount, second], "oldest first");
  assert.equal(all.locations[0].name, tenant.subAccountName);
  assert.equal(typeof all.locations[0].settings, "object");

  const newestFirst = await agency.locations.searchLocations({ companyId: tenant.agency, order: "desc" });
  assert.deepEqual(ids(newestFirst.locations), [second, tenant.subAccount]);
  const page = await agency.locations.searchLocations({ companyId: tenant.agency, skip: "1", limit: "1" });
  assert.deepEqual(ids(page.locations), [second]);
  const noEmail = await agency.locations.searchLocations({ companyId: tenant.agency, email: `nobody-${uniqueId()}@example.com` });
  assert.deepEqual(noEmail.locations, []);
  const noCompany = await agency.locations.searchLocations({});
  assert.equal(noCompany.locations.length, 2, "companyId is optional");

  const answer = await agency.locations.getLocation({ locationId: tenant.subAccount });
  assert.deepEqual(Object.keys(answer), ["location"], "GetLocationByIdSuccessfulResponseDto is {location}");
  assert.equal(answer.location.id, tenant.subAccount);
  assert.equal(answer.location.companyId, tenant.agency);
  assert.equal(answer.location.name, tenant.subAccountName);
  assert.equal(answer.location.settings.allowDuplicateContact, false);

  const sub = connect(token(tenant, ["locations.readonly"], { sub: tenant.subAccount }));
  assert.deepEqual(ids((await sub.locations.searchLocations({ companyId: tenant.agency })).locations), [tenant.subAccount]);
  assert.equal((await sub.locations.getLocation({ locationId: tenant.subAccount })).location.id, tenant.subAccount);
});

sdkTest("SDK: locations — createLocation, putLocation, deleteLocation", async ({ tenant, connect }) => {
  const ghl = connect(token(tenant, ["locations.readonly", "locations.write"]));
  const name = `Mark Shoes ${uniqueId()}`;
  // CreateLocationDto, as HighLevel's example writes it.
  const created = await ghl.locations.createLocation({
    name,
    phone: "+1410039940",
    companyId: tenant.agency,
    address: "4th fleet street",
    city: "New York",
    state: "Illinois",
    country: "US",
    postalCode: "567654",
    website: "https://yourwebsite.com",
    timezone: "US/Central",
    prospectInfo: { firstName: "John", lastName: "Doe", email: "john.doe@mail.com" },
    settings: { allowDuplicateContact: false, allowDuplicateOpportunity: false, allowFacebookNameMerge: false, disableContactTimezone: false },
    social: { facebookUrl: "https://www.facebook.com/", linkedIn: "https://www.linkedin.com/" },
    twilio: { sid: "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", authToken: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
    mailgun: { apiKey: "key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", domain: "replies.yourdomain.com" },
    snapshotId: "XXXXXXXXXXX",
  });
  // CreateLocationSuccessfulResponseDto: flat, no envelope.
  assert.equal(typeof created.id, "string");
  assert.equal(created.companyId, tenant.agency);
  assert.equal(created.name, name);
  assert.equal(created.phone, "+1410039940");
  assert.equal(created.address, "4th fleet street");
  assert.equal(created.city, "New York");
  assert.equal(created.state, "Illinois");
  assert.equal(created.country, "US");
  assert.equal(created.postalCode, "567654");
  assert.equal(created.website, "https://yourwebsite.com");
  assert.equal(created.timezone, "US/Central");
  assert.equal(created.settings.allowDuplicateContact, false);

  // UpdateLocationDto: companyId is required; absent fields stay.
  const updated = await ghl.locations.putLocation(
    { locationId: created.id },
    { companyId: tenant.agency, name: `${name} Downtown`, city: "Chicago", settings: { allowDuplicateContact: true } },
  );
  assert.equal(updated.id, created.id);
  assert.equal(updated.name, `${name} Downtown`);
  assert.equal(updated.city, "Chicago");
  assert.equal(updated.address, "4th fleet street", "an absent field stays");
  assert.equal(updated.settings.allowDuplicateContact, true);
  const { location } = await ghl.locations.getLocation({ locationId: created.id });
  assert.equal(location.name, `${name} Downtown`);
  assert.equal(location.settings.allowDuplicateContact, true);

  const deleted = await ghl.locations.deleteLocation({ locationId: created.id, deleteTwilioAccount: false });
  assert.deepEqual(deleted, { success: true, message: `Deleted location with id: ${created.id}` });
  const left = await ghl.locations.searchLocations({ companyId: tenant.agency });
  assert.deepEqual(ids(left.locations), [tenant.subAccount]);
  await assert.rejects(ghl.locations.getLocation({ locationId: created.id }), (error) => error instanceof GHLError && [403, 404].includes(error.statusCode));
});

// ---------------------------------------------------------------------------------------
// Users

sdkTest("SDK: users — searchUsers, filterUsersByEmail, getUser, getUserByLocation", async ({ tenant, connect }) => {
  const { owner, secondAdmin, agencyUser, accountAdmin, accountUser } = tenant;
  const everyone = [owner, secondAdmin, agencyUser, accountAdmin, accountUser];
  const ghl = connect(token(tenant, ["users.readonly"]));

  const all = await ghl.users.searchUsers({ companyId: tenant.agency });
  assert.deepEqual(Object.keys(all).sort(), ["count", "users"], "SearchUserSuccessfulResponseDto is {users, count}");
  assert.equal(all.count, 5);
  // Default order: first name, then last name.
  assert.deepEqual(ids(all.users), ids([accountAdmin, secondAdmin, owner, accountUser, agencyUser]));

  const byText = await ghl.users.searchUsers({ companyId: tenant.agency, query: "Sam Staff" });
  assert.deepEqual(ids(byText.users), [accountUser.id], "a query with a space (sent as +)");
  const byRole = await ghl.users.searchUsers({ companyId: tenant.agency, locationId: tenant.subAccount, type: "account", role: "user" });
  assert.deepEqual(ids(byRole.users), [accountUser.id]);
  const admins = await ghl.users.searchUsers({ companyId: tenant.agency, type: "agency", role: "admin" });
  sameMembers(ids(admins.users), ids([owner, secondAdmin]), "agency admins");
  const byIds = await ghl.users.searchUsers({
    companyId: tenant.agency,
    ids: `${owner.id},${agencyUser.id}`,
    sort: "dateAdded",
    sortDirection: "desc",
    skip: "0",
    limit: "25",
    enabled2waySync: false,
  });
  assert.deepEqual(ids(byIds.users), ids([agencyUser, owner]), "ids as a comma-separated string, newest first");
  const page = await ghl.users.searchUsers({ companyId: tenant.agency, skip: "1", limit: "2" });
  assert.equal(page.users.length, 2);
  assert.equal(page.count, 5, "count is every match, not the page");

  // FilterByEmailDto, as HighLevel's example writes it.
  const filtered = await ghl.users.filterUsersByEmail({
    companyId: tenant.agency,
    emails: `${agencyUser.email},${accountUser.email}`,
    deleted: false,
    skip: "0",
    limit: "10",
    projection: "all",
  });
  assert.equal(filtered.count, 2);
  sameMembers(ids(filtered.users), ids([agencyUser, accountUser]), "filter-by-email");

  // UserSuccessfulResponseDto: flat.
  assertUser(await ghl.users.getUser({ userId: accountUser.id }), accountUser, { type: "account", role: "user", locationIds: [tenant.subAccount] });
  assertUser(await ghl.users.getUser({ userId: owner.id }), owner, { type: "agency", role: "admin", locationIds: [] });
  const full = all.users.find((user) => user.id === accountAdmin.id);
  assertUser(full, accountAdmin, { type: "account", role: "admin", locationIds: [tenant.subAccount] });

  const atLocation = await ghl.users.getUserByLocation({ locationId: tenant.subAccount });
  assert.ok(Array.isArray(atLocation.users), "LocationSuccessfulResponseDto is {users}");
  sameMembers(ids(atLocation.users), ids(everyone), "agency people work in every location");

  // A sub-account's token sees its own staff only.
  const sub = connect(token(tenant, ["users.readonly"], { sub: tenant.subAccount }));
  const staff = await sub.users.searchUsers({ companyId: tenant.agency });
  sameMembers(ids(staff.users), ids([accountAdmin, accountUser]), "a sub-account's staff");
  sameMembers(ids((await sub.users.getUserByLocation({ locationId: tenant.subAccount })).users), ids([accountAdmin, accountUser]), "by location");
  assertUser(await sub.users.getUser({ userId: accountUser.id }), accountUser, { type: "account", role: "user", locationIds: [tenant.subAccount] });
});

sdkTest("SDK: users — createUser, updateUser, deleteUser", async ({ tenant, connect }) => {
  const second = addSubAccount(tenant);
  const ghl = connect(token(tenant, ["users.readonly", "users.write"]));
  const email = `john-${uniqueId()}@deo.com`;
  // CreateUserDto, as HighLevel's example writes it (a user, not an admin: see the refusals).
  const created = await ghl.users.createUser({
    companyId: tenant.agency,
    firstName: "John",
    lastName: "Deo",
    email,
    password: PASSWORD,
    phone: "+18832327657",
    type: "account",
    role: "user",
    locationIds: [tenant.subAccount],
    permissions: { contactsEnabled: true, campaignsEnabled: false },
    scopes: ["contacts.write", "campaigns.readonly"],
    scopesAssignedToOnly: ["contacts.write", "campaigns.readonly"],
    profilePhoto: "https://img.png",
    twilioPhone: { [tenant.subAccount]: "+18832327657" },
    platformLanguage: "en_US",
  });
  const person = { id: created.id, email };
  assert.equal(typeof created.id, "string");
  assertUser(created, person, { type: "account", role: "user", locationIds: [tenant.subAccount] });
  assert.equal(created.firstName, "John");
  assert.equal(created.lastName, "Deo");
  assert.equal(created.phone, "+18832327657");
  assertUser(await ghl.users.getUser({ userId: created.id }), person, { type: "account", role: "user", locationIds: [tenant.subAccount] });

  // UpdateUserDto: companyId "required for Agency Level access".
  const updated = await ghl.users.updateUser(
    { userId: created.id },
    { companyId: tenant.agency, firstName: "Johnny", lastName: "Deo", phone: "+18832327658", type: "account", role: "user", locationIds: [tenant.subAccount, second] },
  );
  assertUser(updated, person, { type: "account", role: "user", locationIds: [tenant.subAccount, second] });
  assert.equal(updated.firstName, "Johnny");
  assert.equal(updated.phone, "+18832327658");
  const promoted = await ghl.users.updateUser({ userId: created.id }, { companyId: tenant.agency, type: "agency", role: "user" });
  assertUser(promoted, person, { type: "agency", role: "user", locationIds: [] });
  assert.equal(promoted.firstName, "Johnny", "an absent field stays");

  const deleted = await ghl.users.deleteUser({ userId: created.id });
  assert.equal(deleted.succeded, true, "DeleteUserSuccessfulResponseDto.succeded (HighLevel's spelling)");
  assert.equal(typeof deleted.message, "string");
  assert.match(deleted.message, new RegExp(email.replace(/[.+]/g, "\\$&")));
  const search = await ghl.users.searchUsers({ companyId: tenant.agency, ids: created.id });
  assert.equal(search.count, 0, "gone");
  await assert.rejects(ghl.users.getUser({ userId: created.id }), (error) => error instanceof GHLError && [403, 404].includes(error.statusCode));

  // A sub-account's token adds and removes its own staff.
  const sub = connect(token(tenant, ["users.readonly", "users.write"], { sub: tenant.subAccount }));
  const staffEmail = `staff-${uniqueId()}@deo.com`;
  const staff = await sub.users.createUser({
    companyId: tenant.agency,
    firstName: "Rita",
    lastName: "Reception",
    email: staffEmail,
    password: PASSWORD,
    type: "account",
    role: "user",
    locationIds: [tenant.subAccount],
  });
  assertUser(staff, { id: staff.id, email: staffEmail }, { type: "account", role: "user", locationIds: [tenant.subAccount] });
  const renamed = await sub.users.updateUser({ userId: staff.id }, { firstName: "Rita", lastName: "Front Desk" });
  assert.equal(renamed.name, "Rita Front Desk");
  assert.equal((await sub.users.deleteUser({ userId: staff.id })).succeded, true);
});

// ---------------------------------------------------------------------------------------
// Contacts

sdkTest("SDK: contacts — createContact, getContact, updateContact, upsertContact, deleteContact", async ({ tenant, connect }) => {
  const ghl = connect(token(tenant, CONTACT_SCOPES, { sub: tenant.subAccount }));
  const body = exampleContact(tenant.subAccount, { assignedTo: tenant.accountUser.id });

  const answer = await ghl.contacts.createContact(body);
  assert.deepEqual(Object.keys(answer), ["contact"], "CreateContactsSuccessfulResponseDto is {contact}");
  const created = answer.contact;
  assert.equal(typeof created.id, "string");
  assert.equal(created.locationId, tenant.subAccount);
  assert.equal(created.firstName, "Rosan");
  assert.equal(created.lastName, "Deo");
  assert.equal(created.email, body.email);
  assert.equal(created.phone, "+18888888888");
  assert.equal(created.address1, "3535 1st St N");
  assert.equal(created.city, "Dolomite");
  assert.equal(created.state, "AL");
  assert.equal(created.postalCode, "35061");
  assert.equal(created.country, "US");
  assert.equal(created.website, "https://www.tesla.com");
  assert.equal(created.timezone, "America/Chihuahua");
  assert.equal(created.companyName, "DGS VolMAX");
  assert.equal(created.source, "public api");
  assert.equal(created.dnd, true);
  assert.equal(created.assignedTo, tenant.accountUser.id);
  assert.deepEqual(created.tags, ["nisi sint commodo amet", "consequat"]);
  assert.equal(new Date(created.dateOfBirth).toISOString(), "1990-09-25T00:00:00.000Z");
  assert.ok(!Number.isNaN(Date.parse(created.dateAdded)));

  const got = await ghl.contacts.getContact({ contactId: created.id });
  assert.deepEqual(Object.keys(got), ["contact"], "ContactsByIdSuccessfulResponseDto is {contact}");
  assert.equal(got.contact.id, created.id);
  assert.equal(got.contact.name, "Rosan Deo");
  assert.equal(got.contact.email, body.email);

  // UpdateContactDto, as HighLevel's example writes it (no locationId, gender, companyName).
  const update = await ghl.contacts.updateContact(
    { contactId: created.id },
    { firstName: "rosan", lastName: "Deo", name: "rosan Deo", phone: "+1 888-888-8889", city: "Birmingham", dnd: false, tags: ["consequat", "vip"] },
  );
  assert.equal(update.succeded, true, "UpdateContactsSuccessfulResponseDto.succeded (HighLevel's spelling)");
  assert.equal(update.contact.id, created.id);
  assert.equal(update.contact.firstName, "rosan");
  assert.equal(update.contact.phone, "+18888888889");
  assert.equal(update.contact.city, "Birmingham");
  assert.equal(update.contact.address1, "3535 1st St N", "an absent field stays");
  assert.equal(update.contact.dnd, false);
  assert.deepEqual(update.contact.tags, ["consequat", "vip"], "tags overwrite every tag");

  // UpsertContactDto: the same email finds the contact…
  const same = await ghl.contacts.upsertContact({ locationId: tenant.subAccount, email: body.email, firstName: "Rosa", createNewIfDuplicateAllowed: false });
  assert.equal(same.new, false);
  assert.equal(same.contact.id, created.id);
  assert.equal(same.contact.firstName, "Rosa");
  assert.equal(same.contact.lastName, "Deo", "an absent field stays");
  assert.equal(typeof same.traceId, "string");
  assert.ok(same.traceId.length > 0);
  // …a new one creates one.
  const fresh = await ghl.contacts.upsertContact(exampleContact(tenant.subAccount, { phone: "+1 888-888-0001" }));
  assert.equal(fresh.new, true);
  assert.notEqual(fresh.contact.id, created.id);
  assert.equal(fresh.contact.locationId, tenant.subAccount);
  assert.equal(typeof fresh.traceId, "string");

  const deleted = await ghl.contacts.deleteContact({ contactId: created.id });
  assert.equal(deleted.succeded, true, "DeleteContactsSuccessfulResponseDto.succeded (HighLevel's spelling)");
  await refused(ghl.contacts.getContact({ contactId: created.id }), { type: GHLNotFoundError, status: 404, message: /./ });
});

sdkTest("SDK: contacts — getContacts, searchContactsAdvanced, getDuplicateContact", async ({ tenant, connect }) => {
  const ghl = connect(token(tenant, CONTACT_SCOPES, { sub: tenant.subAccount }));
  const make = async (fields) => (await ghl.contacts.createContact({ locationId: tenant.subAccount, ...fields })).contact;
  const ada = await make({ firstName: "Ada", lastName: "Lovelace", email: `ada-${uniqueId()}@example.com`, tags: ["vip"] });
  const bob = await make({ firstName: "Bob", lastName: "Builder", phone: "+1 555-010-0222", companyName: "Bob Builds" });
  const cy = await make({ firstName: "Cy", lastName: "Twombly", email: `cy-${uniqueId()}@example.com`, tags: ["vip", "artist"] });

  // GET /contacts/ (deprecated): newest first, {contacts, count} (+ meta to page on).
  const first = await ghl.contacts.getContacts({ locationId: tenant.subAccount, limit: 2 });
  assert.ok(Array.isArray(first.contacts), "ContactsSearchSuccessfulResponseDto.contacts");
  assert.equal(first.count, 3, "ContactsSearchSuccessfulResponseDto.count");
  assert.deepEqual(ids(first.contacts), ids([cy, bob]));
  assert.equal(first.contacts[0].locationId, tenant.subAccount);
  assert.deepEqual(first.contacts[0].tags, ["vip", "artist"]);
  assert.equal(first.meta?.startAfterId, bob.id);
  const rest = await ghl.contacts.getContacts({ locationId: tenant.subAccount, limit: 2, startAfterId: first.meta.startAfterId, startAfter: first.meta.startAfter });
  assert.deepEqual(ids(rest.contacts), ids([ada]));
  const byText = await ghl.contacts.getContacts({ locationId: tenant.subAccount, query: "lovelace" });
  assert.deepEqual(ids(byText.contacts), ids([ada]));

  // POST /contacts/search: {contacts, total}.
  const tagged = await ghl.contacts.searchContactsAdvanced({
    locationId: tenant.subAccount,
    page: 1,
    pageLimit: 20,
    filters: [{ field: "tags", operator: "eq", value: "vip" }],
    sort: [{ field: "firstNameLowerCase", direction: "asc" }],
  });
  assert.equal(tagged.total, 2);
  assert.deepEqual(ids(tagged.contacts), ids([ada, cy]));
  const either = await ghl.contacts.searchContactsAdvanced({
    locationId: tenant.subAccount,
    pageLimit: 20,
    filters: [
      {
        group: "OR",
        filters: [
          { field: "firstNameLowerCase", operator: "eq", value: "bob" },
          { field: "email", operator: "contains", value: "cy-" },
        ],
      },
    ],
    sort: [{ field: "dateAdded", direction: "desc" }],
  });
  assert.deepEqual(ids(either.contacts), ids([cy, bob]));
  assert.equal(either.total, 2);
  const recent = await ghl.contacts.searchContactsAdvanced({
    locationId: tenant.subAccount,
    pageLimit: 1,
    page: 2,
    filters: [{ field: "dateAdded", operator: "range", value: { gte: "2000-01-01T00:00:00.000Z" } }],
    sort: [{ field: "firstNameLowerCase", direction: "asc" }],
  });
  assert.equal(recent.total, 3);
  assert.deepEqual(ids(recent.contacts), ids([bob]), "page 2 of 1");
  const free = await ghl.contacts.searchContactsAdvanced({ locationId: tenant.subAccount, pageLimit: 20, query: "builds" });
  assert.deepEqual(ids(free.contacts), ids([bob]));

  // GET /contacts/search/duplicate: by email, by number (a + sent as %2B), none.
  const byEmail = await ghl.contacts.getDuplicateContact({ locationId: tenant.subAccount, email: ada.email });
  assert.equal(byEmail.contact?.id, ada.id);
  const byNumber = await ghl.contacts.getDuplicateContact({ locationId: tenant.subAccount, number: "+15550100222" });
  assert.equal(byNumber.contact?.id, bob.id);
  const none = await ghl.contacts.getDuplicateContact({ locationId: tenant.subAccount, email: `nobody-${uniqueId()}@example.com` });
  assert.equal(none.contact ?? null, null);
});

sdkTest("SDK: contacts — addTags, removeTags", async ({ tenant, connect }) => {
  const ghl = connect(token(tenant, CONTACT_SCOPES, { sub: tenant.subAccount }));
  const { contact } = await ghl.contacts.createContact({ locationId: tenant.subAccount, firstName: "Tag", lastName: "Target", tags: ["existing"] });

  const added = await ghl.contacts.addTags({ contactId: contact.id }, { tags: ["VIP", "newsletter"] });
  assert.deepEqual(Object.keys(added), ["tags"], "CreateAddTagSuccessfulResponseDto is {tags}");
  sameMembers(added.tags, ["existing", "vip", "newsletter"], "every tag after the change");

  // DELETE with a JSON body.
  const removed = await ghl.contacts.removeTags({ contactId: contact.id }, { tags: ["newsletter", "existing"] });
  assert.deepEqual(Object.keys(removed), ["tags"], "CreateDeleteTagSuccessfulResponseDto is {tags}");
  assert.deepEqual(removed.tags, ["vip"]);
  assert.deepEqual((await ghl.contacts.getContact({ contactId: contact.id })).contact.tags, ["vip"]);
});

sdkTest("SDK: contacts — a duplicate is refused (400) where the location disallows duplicates, allowed once putLocation allows them", async ({ tenant, connect }) => {
  const ghl = connect(token(tenant, CONTACT_SCOPES, { sub: tenant.subAccount }));
  const email = `dup-${uniqueId()}@example.com`;
  const { contact } = await ghl.contacts.createContact({ locationId: tenant.subAccount, firstName: "First", email });

  await assert.rejects(ghl.contacts.createContact({ locationId: tenant.subAccount, firstName: "Second", email }), (error) => {
    assert.ok(error instanceof GHLValidationError, `${error.constructor.name}: ${error.message}`);
    assert.equal(error.statusCode, 400);
    assert.equal(error.message, "This location does not allow duplicated contacts.");
    assert.equal(error.response.meta?.contactId, contact.id, "meta names the existing contact");
    assert.equal(error.response.meta?.matchingField, "email");
    return true;
  });

  const agency = connect(token(tenant, ["locations.write", "locations.readonly"]));
  await agency.locations.putLocation({ locationId: tenant.subAccount }, { companyId: tenant.agency, settings: { allowDuplicateContact: true } });
  const second = await ghl.contacts.createContact({ locationId: tenant.subAccount, firstName: "Second", email });
  assert.notEqual(second.contact.id, contact.id);
  const always = await ghl.contacts.upsertContact({ locationId: tenant.subAccount, email, firstName: "Third", createNewIfDuplicateAllowed: true });
  assert.equal(always.new, true, "createNewIfDuplicateAllowed with duplicates allowed always creates");
});

sdkTest("SDK: contacts — searchContactsAdvanced accepts HighLevel's documented maximum pageLimit (500)", async ({ tenant, connect }) => {
  // HighLevel's Search Contacts documentation: "pageLimit … Maximum 500 records per request".
  const ghl = connect(token(tenant, CONTACT_SCOPES, { sub: tenant.subAccount }));
  const { contact } = await ghl.contacts.createContact({ locationId: tenant.subAccount, firstName: "Only", lastName: "One" });
  const found = await ghl.contacts.searchContactsAdvanced({ locationId: tenant.subAccount, page: 1, pageLimit: 500 });
  assert.equal(found.total, 1);
  assert.deepEqual(ids(found.contacts), [contact.id]);
});

// ---------------------------------------------------------------------------------------
// Refusals, as the SDK surfaces them

sdkTest("SDK refusal: a method without its scope is 403 GHLForbiddenError", async ({ tenant, connect }) => {
  const scope = { type: GHLForbiddenError, status: 403, message: SCOPE_REFUSED };
  const agency = connect(token(tenant, ["companies.readonly"]));
  assert.equal((await agency.companies.getCompany({ companyId: tenant.agency })).company.id, tenant.agency);
  await refused(agency.locations.getLocation({ locationId: tenant.subAccount }), scope);
  await refused(agency.locations.searchLocations({ companyId: tenant.agency }), scope);
  await refused(agency.locations.createLocation({ companyId: tenant.agency, name: "Nope" }), scope);
  await refused(agency.users.searchUsers({ companyId: tenant.agency }), scope);
  await refused(agency.users.getUser({ userId: tenant.owner.id }), scope);

  const reader = connect(token(tenant, ["users.readonly"]));
  await refused(reader.users.createUser({ companyId: tenant.agency, firstName: "No", lastName: "Body", email: `no-${uniqueId()}@example.com`, password: PASSWORD, type: "account", role: "user", locationIds: [tenant.subAccount] }), scope);
  await refused(reader.users.deleteUser({ userId: tenant.accountUser.id }), scope);
  await refused(reader.companies.getCompany({ companyId: tenant.agency }), scope);

  const readOnly = connect(token(tenant, ["contacts.readonly"], { sub: tenant.subAccount }));
  await refused(readOnly.contacts.createContact({ locationId: tenant.subAccount, firstName: "Nope" }), scope);
  await refused(readOnly.contacts.upsertContact({ locationId: tenant.subAccount, email: `nope-${uniqueId()}@example.com` }), scope);
  assert.equal((await readOnly.contacts.getContacts({ locationId: tenant.subAccount })).count, 0, "reading is allowed");
  const noContacts = connect(token(tenant, ["locations.readonly"], { sub: tenant.subAccount }));
  await refused(noContacts.contacts.getContacts({ locationId: tenant.subAccount }), scope);
  await refused(noContacts.contacts.searchContactsAdvanced({ locationId: tenant.subAccount, pageLimit: 20 }), scope);
});

sdkTest("SDK refusal: another location's contact is 404 GHLNotFoundError, as an unknown one is; its location is 403 GHLForbiddenError", async ({ tenant, connect }) => {
  const outside = { type: GHLForbiddenError, status: 403, message: LOCATION_REFUSED };
  const unknown = { type: GHLNotFoundError, status: 404, message: "Not found" };
  const second = addSubAccount(tenant);
  const theirs = connect(token(tenant, CONTACT_SCOPES, { sub: second }));
  const { contact } = await theirs.contacts.createContact({ locationId: second, firstName: "Not", lastName: "Yours", email: `theirs-${uniqueId()}@example.com` });

  const ours = connect(token(tenant, [...CONTACT_SCOPES, "locations.readonly", "users.readonly"], { sub: tenant.subAccount }));
  // A contact's id says nothing of whether it exists in another location.
  for (const contactId of [contact.id, crypto.randomUUID()]) {
    await refused(ours.contacts.getContact({ contactId }), unknown);
    await refused(ours.contacts.updateContact({ contactId }, { firstName: "Mine" }), unknown);
    await refused(ours.contacts.deleteContact({ contactId }), unknown);
    await refused(ours.contacts.addTags({ contactId }, { tags: ["mine"] }), unknown);
    await refused(ours.contacts.removeTags({ contactId }, { tags: ["mine"] }), unknown);
  }
  await refused(ours.contacts.createContact({ locationId: second, firstName: "Sneaky" }), outside);
  await refused(ours.contacts.upsertContact({ locationId: second, email: contact.email }), outside);
  await refused(ours.contacts.getContacts({ locationId: second }), outside);
  await refused(ours.contacts.searchContactsAdvanced({ locationId: second, pageLimit: 20 }), outside);
  await refused(ours.contacts.getDuplicateContact({ locationId: second, email: contact.email }), outside);
  await refused(ours.locations.getLocation({ locationId: second }), outside);
  await refused(ours.users.getUser({ userId: tenant.owner.id }), outside);
  assert.equal((await theirs.contacts.getContact({ contactId: contact.id })).contact.firstName, "Not", "left as it was");

  // Another agency's company, location and people.
  const other = createTenant(app, { agencyName: "Rival Agency" });
  const agency = connect(token(tenant, ["companies.readonly", "locations.readonly", "users.readonly"]));
  await refused(agency.companies.getCompany({ companyId: other.agency }), { type: GHLForbiddenError, status: 403, message: /does not have access/ });
  await refused(agency.locations.getLocation({ locationId: other.subAccount }), outside);
  await refused(agency.users.getUser({ userId: other.owner.id }), outside);
  await refused(agency.users.searchUsers({ companyId: other.agency }), { type: GHLForbiddenError, status: 403, message: COMPANY_REFUSED });
  await refused(agency.locations.searchLocations({ companyId: other.agency }), { type: GHLForbiddenError, status: 403, message: COMPANY_REFUSED });
});

sdkTest("SDK refusal: creating, editing or deleting an admin through a token is 403 GHLForbiddenError", async ({ tenant, connect }) => {
  const admins = { type: GHLForbiddenError, status: 403, message: ADMINS_REFUSED };
  const ghl = connect(token(tenant, ["users.readonly", "users.write"]));
  const newcomer = (type, role) => ({
    companyId: tenant.agency,
    firstName: "John",
    lastName: "Deo",
    email: `admin-${uniqueId()}@deo.com`,
    password: PASSWORD,
    type,
    role,
    locationIds: type === "account" ? [tenant.subAccount] : [],
  });
  // HighLevel's own example creates an account admin: a token may not.
  await refused(ghl.users.createUser(newcomer("account", "admin")), admins);
  await refused(ghl.users.createUser(newcomer("agency", "admin")), admins);
  await refused(ghl.users.updateUser({ userId: tenant.agencyUser.id }, { companyId: tenant.agency, type: "agency", role: "admin" }), admins);
  await refused(ghl.users.updateUser({ userId: tenant.owner.id }, { companyId: tenant.agency, firstName: "Renamed" }), admins);
  await refused(ghl.users.deleteUser({ userId: tenant.accountAdmin.id }), admins);
  assertUser(await ghl.users.getUser({ userId: tenant.agencyUser.id }), tenant.agencyUser, { type: "agency", role: "user", locationIds: [] });
  const search = await ghl.users.searchUsers({ companyId: tenant.agency, role: "admin" });
  sameMembers(ids(search.users), ids([tenant.owner, tenant.secondAdmin, tenant.accountAdmin]), "no admin was added");

  const sub = connect(token(tenant, ["users.readonly", "users.write"], { sub: tenant.subAccount }));
  await refused(sub.users.createUser(newcomer("account", "admin")), admins);
  await refused(sub.users.updateUser({ userId: tenant.accountUser.id }, { role: "admin" }), admins);
});

sdkTest("SDK refusal: a 422 validation message is surfaced as e.message", async ({ tenant, connect }) => {
  const contacts = connect(token(tenant, CONTACT_SCOPES, { sub: tenant.subAccount }));
  await refused(contacts.contacts.createContact({ locationId: tenant.subAccount, firstName: "Bad", email: "not-an-email" }), {
    type: GHLValidationError,
    status: 422,
    message: /^email: ./,
  });
  await refused(contacts.contacts.createContact({ firstName: "Nowhere" }), {
    type: GHLValidationError,
    status: 422,
    message: "locationId: This field is required.",
  });
  const { contact } = await contacts.contacts.createContact({ locationId: tenant.subAccount, firstName: "Good" });
  await refused(contacts.contacts.updateContact({ contactId: contact.id }, { phone: "12" }), {
    type: GHLValidationError,
    status: 422,
    message: /^phone: ./,
  });
  await refused(contacts.contacts.upsertContact({ locationId: tenant.subAccount, firstName: "Bad key", email: "nope@" }), {
    type: GHLValidationError,
    status: 422,
    message: /^email: ./,
  });
  // Like HighLevel's, an upsert with neither email nor phone has nothing to match: it creates.
  const first = await contacts.contacts.upsertContact({ locationId: tenant.subAccount, firstName: "No key" });
  const second = await contacts.contacts.upsertContact({ locationId: tenant.subAccount, firstName: "No key" });
  assert.equal(first.new, true);
  assert.equal(second.new, true);
  assert.notEqual(first.contact.id, second.contact.id);

  const users = connect(token(tenant, ["users.readonly", "users.write"]));
  await refused(users.users.createUser({ companyId: tenant.agency, firstName: "No", lastName: "Type", email: `t-${uniqueId()}@example.com`, password: PASSWORD, role: "user", locationIds: [tenant.subAccount] }), {
    type: GHLValidationError,
    status: 422,
    message: "type: This field is required.",
  });
  await refused(users.users.searchUsers({ companyId: tenant.agency, limit: "500" }), { type: GHLValidationError, status: 422, message: /^limit: ./ });

  const locations = connect(token(tenant, ["locations.readonly", "locations.write"]));
  await refused(locations.locations.createLocation({ companyId: tenant.agency, name: "Bad Country", country: "United States" }), {
    type: GHLValidationError,
    status: 422,
    message: /^country: ./,
  });
});

sdkTest("SDK refusal: a token that is not valid is 401 GHLAuthenticationError, sent once", async ({ tenant, log, connect }) => {
  const pit = token(tenant, ["locations.readonly"]);
  const unknown = `${pit.slice(0, -6)}${pit.slice(-6).split("").reverse().join("")}`;
  for (const bad of ["not-a-token", unknown]) {
    const before = log.length;
    const ghl = connect(bad);
    await refused(ghl.locations.getLocation({ locationId: tenant.subAccount }), { type: GHLAuthenticationError, status: 401, message: /^The token is/ });
    assert.equal(log.length - before, 1, "the SDK does not retry a private integration token");
  }
});
