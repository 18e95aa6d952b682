/** The fields a client owns: sent on create, replaced as a whole on update. */
export interface CompanyFields {
  name: string;
  employees: number;
  ticker?: string;
  location?: string;
  description?: string;
}

/** A stored company: the client's fields plus what the server owns. */
export interface Company extends CompanyFields {
  companyId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface CompanyPage {
  items: Company[];
  nextToken?: string;
}
