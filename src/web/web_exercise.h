/* web_exercise.h - the console pages and JSON API of tabletop exercises (page_exercise.c):
 * the scenario library and runs (analysts), the live page of a run (participants of an org
 * that takes part, analysts), participants' responses and the facilitator's controls. */
#ifndef MAMORI_WEB_EXERCISE_H
#define MAMORI_WEB_EXERCISE_H

#include "web/web_int.h"

int web_page_exercises(struct web_req *r);
int web_post_exercises(struct web_req *r);
int web_page_exercise(struct web_req *r);
int web_post_exercise_respond(struct web_req *r);
int web_post_exercise_control(struct web_req *r);
int web_api_exercise(struct web_req *r);
/* the exercise incident form (participants), invitations (analysts), attachments */
int web_page_exercise_incident(struct web_req *r);
int web_post_exercise_incident(struct web_req *r);
int web_post_exercise_invite(struct web_req *r);
int web_get_exercise_attachment(struct web_req *r);
int web_api_exercise_attach(struct web_req *r);
int web_post_exercise_assess(struct web_req *r);
int web_page_exercise_incident_view(struct web_req *r);

#endif
