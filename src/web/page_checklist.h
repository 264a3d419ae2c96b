/* page_checklist.h - the self-assessment checklist in the console (page_checklist.c): the
 * operator's form (per-section drafts, submit), result with advice and 要確認, the result
 * sheet, and the bureau/analyst sector comparison (k-anonymous). */
#ifndef MAMORI_PAGE_CHECKLIST_H
#define MAMORI_PAGE_CHECKLIST_H

struct web_req;

int web_page_checklist(struct web_req *r);
int web_post_checklist(struct web_req *r);
int web_get_checklist_sheet(struct web_req *r);
int web_api_checklist(struct web_req *r);
int web_page_checklist_sector(struct web_req *r);
int web_api_checklist_sector(struct web_req *r);

#endif
