/**
 * The simulated identity providers' side of SCIM: real HTTP requests to Rollcall's SCIM listener,
 * shaped the way Okta and Entra ID send them (see ../../../docs and the shared IdP notes): a POST to
 * create, PATCH to change roles or attributes, PATCH active=false to deprovision.
 */
import http from 'node:http';

export interface ScimUserInput {
  email: string;
  first: string;
  last: string;
  externalId: string;
  title: string;
  department: string;
  employeeNumber: string;
  role: string;
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export class ScimStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ScimPusher {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    /** `{origin}/scim/v2/{slug}` */
    private readonly base: string,
    private readonly token: string,
    /** Entra ID writes PATCH values as it does (`"Replace"`, `"False"` as a string); Okta the usual way. */
    private readonly style: 'okta' | 'entra',
  ) {}

  private send(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | null }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(`${this.base}${path}`);
    // node:http with a keep-alive agent: the same wire requests as fetch, at a fraction of its cost
    // on the thread the SCIM listener shares with the demo.
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/scim+json',
            ...(payload === undefined ? {} : { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(payload) }),
            'user-agent': this.style === 'okta' ? 'Okta SCIM Client 1.0.0 (Rollcall demo)' : 'Azure AD SCIM Client (Rollcall demo)',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: parseJson(Buffer.concat(chunks).toString('utf8')) }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private async expect(method: string, path: string, body: unknown, ok: number[]): Promise<Record<string, unknown> | null> {
    const r = await this.send(method, path, body);
    if (!ok.includes(r.status)) {
      const detail = typeof r.json?.detail === 'string' ? r.json.detail : '';
      throw new ScimStatusError(r.status, `${method} ${path}: ${r.status} ${detail}`.trim());
    }
    return r.json;
  }

  /** What a provisioning cycle starts with: one page of users (Okta's import; Entra ID's probe). */
  async probe(): Promise<void> {
    await this.expect('GET', '/Users?startIndex=1&count=1', undefined, [200]);
  }

  async createUser(u: ScimUserInput): Promise<string> {
    const body = {
      schemas: [USER, ENTERPRISE],
      userName: u.email,
      externalId: u.externalId,
      name: { givenName: u.first, familyName: u.last, formatted: `${u.first} ${u.last}` },
      displayName: `${u.first} ${u.last}`,
      title: u.title,
      emails: [{ value: u.email, type: 'work', primary: true }],
      active: true,
      roles: [{ value: u.role, primary: true }],
      [ENTERPRISE]: { department: u.department, ...(u.employeeNumber ? { employeeNumber: u.employeeNumber } : {}) },
    };
    const json = await this.expect('POST', '/Users', body, [201]);
    const id = json?.id;
    if (typeof id !== 'string') throw new Error('POST /Users answered without an id');
    return id;
  }

  private patch(id: string, ops: unknown[]): Promise<unknown> {
    return this.expect('PATCH', `/Users/${encodeURIComponent(id)}`, { schemas: [PATCH_OP], Operations: ops }, [200, 204]);
  }

  async setRole(id: string, role: string): Promise<void> {
    await this.patch(id, [{ op: this.style === 'entra' ? 'Replace' : 'replace', path: 'roles', value: [{ value: role, primary: true }] }]);
  }

  async setTitle(id: string, title: string, department: string): Promise<void> {
    await this.patch(id, [
      { op: 'replace', path: 'title', value: title },
      { op: 'replace', path: `${ENTERPRISE}:department`, value: department },
    ]);
  }

  /** Deprovision (Okta: PATCH `{active:false}`; Entra ID: `Replace active "False"`). Throws ScimStatusError on a refusal. */
  async setActive(id: string, active: boolean): Promise<void> {
    if (this.style === 'entra') await this.patch(id, [{ op: 'Replace', path: 'active', value: active ? 'True' : 'False' }]);
    else await this.patch(id, [{ op: 'replace', value: { active } }]);
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
