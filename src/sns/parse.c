/*
 * parse.c - one record of each ingest format to normalised posts: X API v2 pages and the
 * filtered stream, Telegram Bot API updates, Telethon to_dict(), Telegram Desktop's
 * result.json (with its invalid \xNN escapes repaired), DDoSia target lists, ransomwatch
 * posts and mamori's own JSON lines. Pure: no store; fuzzed per format (tests/fuzz).
 */
#include "base/compat.h"

#include <ctype.h>
#include <strings.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "sns/sns.h"

#define SNS_TEXT_MAX ((size_t)1 << 20) /* a post's text is cut at 1 MiB */
#define SNS_LIST_MAX 4096	       /* urls, hosts ... kept per post */

static const char *const fmt_names[] = {"auto",		"x",	       "x-stream",
					"telegram-bot", "telethon",    "telegram-export",
					"ddosia",	"ransomwatch", "jsonl"};

const char *sns_format_name(enum sns_format f)
{
	return (size_t)f < ARRAY_SIZE(fmt_names) ? fmt_names[f] : NULL;
}

int sns_format_parse(const char *name, enum sns_format *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(fmt_names); i++)
		if (name && !strcmp(name, fmt_names[i])) {
			*out = (enum sns_format)i;
			return 0;
		}
	return M_EINVAL;
}

static void strv_free(struct sns_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		m_free(v->v[i]);
	m_free(v->v);
	memset(v, 0, sizeof *v);
}

void sns_post_clear(struct sns_post *p)
{
	char **f[] = {&p->source,     &p->platform,	&p->post_id,   &p->version,
		      &p->channel_id, &p->channel_name, &p->author_id, &p->author_name,
		      &p->text,	      &p->lang,		&p->url,       &p->forwarded_from,
		      &p->reply_to,   &p->edit_of};
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		m_free(*f[i]);
	strv_free(&p->urls);
	strv_free(&p->hostnames);
	strv_free(&p->mentions);
	strv_free(&p->hashtags);
	memset(p, 0, sizeof *p);
}

static int strv_addn(struct sns_strv *v, const char *s, size_t n)
{
	if (!s || !n || v->n >= SNS_LIST_MAX)
		return 0;
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->v[i]) == n && !memcmp(v->v[i], s, n))
			return 0;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 4;
		char **nv = m_realloc(v->v, nc * sizeof *nv);
		if (!nv)
			return M_ENOMEM;
		v->v = nv;
		v->cap = nc;
	}
	if (!(v->v[v->n] = m_strndup(s, n)))
		return M_ENOMEM;
	v->n++;
	return 0;
}

static int strv_add(struct sns_strv *v, const char *s)
{
	return s ? strv_addn(v, s, strlen(s)) : 0;
}

/* The host of a URL (or of a bare host[:port][/path]), lower case, no trailing dot. */
static int add_host(struct sns_post *p, const char *u)
{
	if (!u)
		return 0;
	const char *h = strstr(u, "://");
	h = h ? h + 3 : u;
	const char *at = NULL;
	size_t n = 0;
	while (h[n] && h[n] != '/' && h[n] != '?' && h[n] != '#' && h[n] != ' ') {
		if (h[n] == '@')
			at = h + n;
		n++;
	}
	if (at) {
		n -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	size_t k = 0;
	if (n && h[0] == '[')
		return 0; /* IPv6 literal: not a name */
	while (k < n && h[k] != ':')
		k++;
	while (k && h[k - 1] == '.')
		k--;
	if (!k || k > 253)
		return 0;
	char tmp[256];
	for (size_t i = 0; i < k; i++)
		tmp[i] = (char)tolower((unsigned char)h[i]);
	return strv_addn(&p->hostnames, tmp, k);
}

static char *dup_str(const cJSON *o)
{
	if (cJSON_IsString(o))
		return m_strdup(o->valuestring);
	if (cJSON_IsNumber(o)) {
		char b[32];
		snprintf(b, sizeof b, "%.0f", o->valuedouble);
		return m_strdup(b);
	}
	return NULL;
}

static char *get_str(const cJSON *o, const char *k)
{
	return dup_str(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool time_of(const cJSON *v, int64_t *t)
{
	if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e11) {
		*t = (int64_t)v->valuedouble;
		return true;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		char *end = NULL;
		if (*s && isdigit((unsigned char)*s)) {
			long long x = strtoll(s, &end, 10);
			if (end && !*end && x > 0 && x < 100000000000LL) {
				*t = x;
				return true;
			}
		}
		return time_parse(s, t) == 0;
	}
	return false;
}

struct pctx {
	const struct sns_parse_ctx *c;
	struct merr *e;
	sns_post_fn fn;
	void *arg;
	const char *rec;
	size_t rec_len;
	bool one_post; /* the record is one post: its bytes are the raw form */
};

static int perr(struct pctx *x, const char *field, const char *msg)
{
	return merr_at(x->e, M_EPARSE, x->c->file, x->c->line, x->c->offset, field, "%s", msg);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	out[0] = '\0';
	if (!EVP_Digest(p, n, md, &ml, EVP_sha256(), NULL))
		return;
	for (unsigned i = 0; i < ml && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Checks and hands over a built post (text valid UTF-8, cut at SNS_TEXT_MAX). */
static int emit(struct pctx *x, struct sns_post *p, const cJSON *raw)
{
	int rc = 0;
	if (!p->post_id || !*p->post_id) {
		rc = perr(x, "id", "missing post id");
		goto out;
	}
	if (!p->text && !(p->text = m_strdup(""))) {
		rc = M_ENOMEM;
		goto out;
	}
	size_t tl = strlen(p->text), bad;
	if (tl > SNS_TEXT_MAX) {
		/* keep a prefix that ends on a character boundary */
		tl = SNS_TEXT_MAX;
		while (tl && ((unsigned char)p->text[tl] & 0xC0) == 0x80)
			tl--;
		p->text[tl] = '\0';
	}
	if (!utf8_valid(p->text, tl, &bad)) {
		rc = perr(x, "text", "invalid UTF-8");
		goto out;
	}
	if (!p->version && !(p->version = m_strdup(""))) {
		rc = M_ENOMEM;
		goto out;
	}
	if (!p->raw_sha256[0]) {
		if (x->one_post || !raw) {
			sha256_hex(x->rec, x->rec_len, p->raw_sha256);
		} else {
			char *s = cJSON_PrintUnformatted(raw);
			if (!s) {
				rc = M_ENOMEM;
				goto out;
			}
			sha256_hex(s, strlen(s), p->raw_sha256);
			cJSON_free(s);
		}
	}
	if (!p->source && !(p->source = m_strdup(sns_format_name(x->c->fmt))))
		rc = M_ENOMEM;
	for (size_t i = 0; !rc && i < p->urls.n; i++)
		rc = add_host(p, p->urls.v[i]);
	if (!rc)
		rc = x->fn(p, x->arg);
out:
	sns_post_clear(p);
	return rc;
}

/* ------------------------------------------------------------ X API v2 */

static const cJSON *x_find(const cJSON *arr, const char *id)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, arr)
	{
		const cJSON *i = cJSON_GetObjectItemCaseSensitive(t, "id");
		if (cJSON_IsString(i) && !strcmp(i->valuestring, id))
			return t;
	}
	return NULL;
}

static const cJSON *x_text_of(const cJSON *tw, const cJSON **ents)
{
	const cJSON *nt = cJSON_GetObjectItemCaseSensitive(tw, "note_tweet");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(nt, "text");
	if (cJSON_IsString(t)) {
		*ents = cJSON_GetObjectItemCaseSensitive(nt, "entities");
		return t;
	}
	*ents = cJSON_GetObjectItemCaseSensitive(tw, "entities");
	return cJSON_GetObjectItemCaseSensitive(tw, "text");
}

/* An entity's text by its code-point offsets, in the text as sent or (when that does not
 * agree with the entity's value) in the text with its HTML entities decoded. */
static int x_entity(struct sns_strv *v, const char *raw, const char *dec, const cJSON *en,
		    const char *prefix, const char *key)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(en, "start");
	const cJSON *ed = cJSON_GetObjectItemCaseSensitive(en, "end");
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(en, key);
	if (!cJSON_IsString(val))
		return 0;
	if (cJSON_IsNumber(st) && cJSON_IsNumber(ed)) {
		const char *texts[2] = {raw, dec};
		for (int k = 0; k < 2; k++) {
			size_t off, n;
			if (!sns_slice_cp(texts[k], strlen(texts[k]), (long)st->valuedouble,
					  (long)ed->valuedouble, &off, &n))
				continue;
			size_t pl = strlen(prefix);
			if (n > pl && !strncasecmp(texts[k] + off + pl, val->valuestring, n - pl) &&
			    strlen(val->valuestring) == n - pl)
				return strv_addn(v, texts[k] + off + pl, n - pl);
		}
	}
	return strv_add(v, val->valuestring);
}

static int x_tweet(struct pctx *x, const cJSON *tw, const cJSON *inc, long idx)
{
	struct sns_post p = {0};
	char field[64];
	int rc = 0;

	const cJSON *id = cJSON_GetObjectItemCaseSensitive(tw, "id");
	if (!cJSON_IsString(id) || !*id->valuestring) {
		snprintf(field, sizeof field, "data[%ld].id", idx);
		return perr(x, field, "missing or not a string");
	}
	const cJSON *ents = NULL, *text = x_text_of(tw, &ents);
	if (!cJSON_IsString(text)) {
		snprintf(field, sizeof field, "data[%ld].text", idx);
		return perr(x, field, "missing or not a string");
	}
	if (!time_of(cJSON_GetObjectItemCaseSensitive(tw, "created_at"), &p.created_at)) {
		snprintf(field, sizeof field, "data[%ld].created_at", idx);
		return perr(x, field, "missing or not RFC 3339 (request tweet.fields=created_at)");
	}
	const cJSON *refs = cJSON_GetObjectItemCaseSensitive(tw, "referenced_tweets"), *r;
	const cJSON *itw = cJSON_GetObjectItemCaseSensitive(inc, "tweets");
	cJSON_ArrayForEach(r, refs)
	{
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(r, "type");
		const cJSON *rid = cJSON_GetObjectItemCaseSensitive(r, "id");
		if (!cJSON_IsString(ty) || !cJSON_IsString(rid))
			continue;
		if (!strcmp(ty->valuestring, "retweeted")) {
			m_free(p.forwarded_from);
			p.forwarded_from = m_strdup(rid->valuestring);
			/* A retweet's own text is cut ("RT @x: ..."): the original's is whole. */
			const cJSON *orig = x_find(itw, rid->valuestring), *oents = NULL;
			const cJSON *ot = orig ? x_text_of(orig, &oents) : NULL;
			if (cJSON_IsString(ot)) {
				text = ot;
				ents = oents;
			}
		} else if (!strcmp(ty->valuestring, "replied_to")) {
			m_free(p.reply_to);
			p.reply_to = m_strdup(rid->valuestring);
		}
	}
	p.text = m_strdup(text->valuestring);
	if (!p.text) {
		sns_post_clear(&p);
		return M_ENOMEM;
	}
	size_t tl = sns_html_decode(p.text, strlen(p.text));
	p.text[tl] = '\0';

	const cJSON *hist = cJSON_GetObjectItemCaseSensitive(tw, "edit_history_tweet_ids");
	const cJSON *first = cJSON_GetArrayItem(hist, 0);
	if (cJSON_IsString(first) && strcmp(first->valuestring, id->valuestring)) {
		p.post_id = m_strdup(first->valuestring);
		p.version = m_strdup(id->valuestring);
		p.edit_of = m_strdup(first->valuestring);
	} else {
		p.post_id = m_strdup(id->valuestring);
	}
	p.platform = m_strdup("x");
	p.author_id = get_str(tw, "author_id");
	p.lang = get_str(tw, "lang");
	p.channel_id = get_str(tw, "conversation_id");
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(inc, "users");
	if (p.author_id) {
		const cJSON *u = x_find(users, p.author_id);
		p.author_name = u ? get_str(u, "username") : NULL;
	}
	char url[128];
	snprintf(url, sizeof url, "https://x.com/i/web/status/%.60s", id->valuestring);
	p.url = m_strdup(url);

	const cJSON *en;
	const char *rawtext = text->valuestring;
	/* URLs of the text used and of the post itself (a note_tweet's entities may lack them) */
	const cJSON *url_sets[2] = {cJSON_GetObjectItemCaseSensitive(ents, "urls"),
				    cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(tw, "entities"), "urls")};
	for (int k = 0; k < 2 && !rc; k++) {
		cJSON_ArrayForEach(en, url_sets[k])
		{
			const cJSON *eu = cJSON_GetObjectItemCaseSensitive(en, "expanded_url");
			if (!cJSON_IsString(eu))
				eu = cJSON_GetObjectItemCaseSensitive(en, "url");
			if (cJSON_IsString(eu) && (rc = strv_add(&p.urls, eu->valuestring)))
				break;
		}
	}
	cJSON_ArrayForEach(en, cJSON_GetObjectItemCaseSensitive(ents, "hashtags"))
	{
		if (!rc)
			rc = x_entity(&p.hashtags, rawtext, p.text, en, "#", "tag");
	}
	cJSON_ArrayForEach(en, cJSON_GetObjectItemCaseSensitive(ents, "mentions"))
	{
		if (!rc)
			rc = x_entity(&p.mentions, rawtext, p.text, en, "@", "username");
	}
	if (rc) {
		sns_post_clear(&p);
		return rc;
	}
	return emit(x, &p, tw);
}

static int parse_x(struct pctx *x, const cJSON *root)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(root, "includes");
	int rc = 0;
	if (!data) {
		/* A page of only errors is a page with no posts; anything else is not X. */
		if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "errors")) ||
		    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "meta")))
			return 0;
		return perr(x, "data", "missing: not an X API v2 response");
	}
	if (cJSON_IsObject(data)) {
		x->one_post = true;
		return x_tweet(x, data, inc, 0);
	}
	if (!cJSON_IsArray(data))
		return perr(x, "data", "neither an array nor an object");
	long i = 0;
	const cJSON *tw;
	cJSON_ArrayForEach(tw, data)
	{
		if ((rc = x_tweet(x, tw, inc, i++)))
			break;
	}
	return rc;
}

/* ------------------------------------------------------------ Telegram */

/* Entities with UTF-16 offsets (Bot API and Telethon): URLs, hashtags, mentions. */
static int tg_entities(struct sns_post *p, const char *text, const cJSON *ents, bool telethon)
{
	const cJSON *en;
	size_t tl = strlen(text);
	cJSON_ArrayForEach(en, ents)
	{
		const char *ty = NULL;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(en, telethon ? "_" : "type");
		if (!cJSON_IsString(t))
			continue;
		ty = t->valuestring;
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(en, "offset");
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(en, "length");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(en, "url");
		size_t off = 0, n = 0;
		bool sl =
		    cJSON_IsNumber(o) && cJSON_IsNumber(l) &&
		    sns_slice_utf16(text, tl, (long)o->valuedouble, (long)l->valuedouble, &off, &n);
		int rc = 0;
		if (!strcmp(ty, telethon ? "MessageEntityTextUrl" : "text_link")) {
			rc = cJSON_IsString(u) ? strv_add(&p->urls, u->valuestring) : 0;
		} else if (!strcmp(ty, telethon ? "MessageEntityUrl" : "url")) {
			rc = sl ? strv_addn(&p->urls, text + off, n) : 0;
		} else if (!strcmp(ty, telethon ? "MessageEntityHashtag" : "hashtag")) {
			rc = sl && n > 1 ? strv_addn(&p->hashtags, text + off + 1, n - 1) : 0;
		} else if (!strcmp(ty, telethon ? "MessageEntityMention" : "mention")) {
			rc = sl && n > 1 ? strv_addn(&p->mentions, text + off + 1, n - 1) : 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_tgbot_update(struct pctx *x, const cJSON *u)
{
	static const char *const keys[] = {"message", "channel_post", "edited_message",
					   "edited_channel_post"};
	const cJSON *m = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(keys) && !m; i++)
		m = cJSON_GetObjectItemCaseSensitive(u, keys[i]);
	if (!m) {
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(u, "update_id")))
			return perr(x, "update_id", "missing: not a Telegram Bot API update");
		return 0; /* other update kinds (polls, members ...) carry no post */
	}
	if (!cJSON_IsObject(m))
		return perr(x, "message", "not an object");
	struct sns_post p = {0};
	const cJSON *mid = cJSON_GetObjectItemCaseSensitive(m, "message_id");
	const cJSON *chat = cJSON_GetObjectItemCaseSensitive(m, "chat");
	const cJSON *cid = cJSON_GetObjectItemCaseSensitive(chat, "id");
	if (!cJSON_IsNumber(mid))
		return perr(x, "message.message_id", "missing or not a number");
	if (!cJSON_IsNumber(cid))
		return perr(x, "message.chat.id", "missing or not a number");
	if (!time_of(cJSON_GetObjectItemCaseSensitive(m, "date"), &p.created_at))
		return perr(x, "message.date", "missing or not a Unix time");
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(m, "text");
	const cJSON *ents = cJSON_GetObjectItemCaseSensitive(m, "entities");
	if (!text) {
		text = cJSON_GetObjectItemCaseSensitive(m, "caption");
		ents = cJSON_GetObjectItemCaseSensitive(m, "caption_entities");
	}
	if (text && !cJSON_IsString(text))
		return perr(x, "message.text", "not a string");
	char b[96];
	snprintf(b, sizeof b, "%.0f/%.0f", cid->valuedouble, mid->valuedouble);
	p.post_id = m_strdup(b);
	p.platform = m_strdup("telegram");
	p.text = m_strdup(text ? text->valuestring : "");
	p.channel_id = dup_str(cid);
	p.channel_name = get_str(chat, "title");
	char *uname = get_str(chat, "username");
	if (uname) {
		snprintf(b, sizeof b, "https://t.me/%.40s/%.0f", uname, mid->valuedouble);
		p.url = m_strdup(b);
		m_free(uname);
	}
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(m, "from");
	if (!from)
		from = cJSON_GetObjectItemCaseSensitive(m, "sender_chat");
	p.author_id = get_str(from, "id");
	p.author_name = get_str(from, "username");
	int64_t ed = 0;
	if (time_of(cJSON_GetObjectItemCaseSensitive(m, "edit_date"), &ed)) {
		snprintf(b, sizeof b, "%lld", (long long)ed);
		p.version = m_strdup(b);
		p.edit_of = m_strdup(p.post_id);
	}
	const cJSON *fo = cJSON_GetObjectItemCaseSensitive(m, "forward_origin");
	if (fo) {
		const cJSON *fc = cJSON_GetObjectItemCaseSensitive(fo, "chat");
		if (!fc)
			fc = cJSON_GetObjectItemCaseSensitive(fo, "sender_user");
		p.forwarded_from = get_str(fc, "id");
	} else if ((fo = cJSON_GetObjectItemCaseSensitive(m, "forward_from_chat"))) {
		p.forwarded_from = get_str(fo, "id");
	}
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(m, "reply_to_message");
	if (rt)
		p.reply_to = get_str(rt, "message_id");
	int rc =
	    p.post_id && p.text && p.platform ? tg_entities(&p, p.text, ents, false) : M_ENOMEM;
	if (rc) {
		sns_post_clear(&p);
		return rc;
	}
	return emit(x, &p, u);
}

static int parse_tgbot(struct pctx *x, const cJSON *root)
{
	/* getUpdates reply: {"ok": true, "result": [updates]} */
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "result");
	if (cJSON_IsObject(root) && cJSON_IsArray(res)) {
		const cJSON *u;
		cJSON_ArrayForEach(u, res)
		{
			int rc = parse_tgbot_update(x, u);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (!cJSON_IsObject(root))
		return perr(x, "update", "not an object");
	x->one_post = true;
	return parse_tgbot_update(x, root);
}

static char *peer_id(const cJSON *peer)
{
	static const char *const ks[] = {"channel_id", "chat_id", "user_id"};
	if (cJSON_IsNumber(peer))
		return dup_str(peer);
	for (size_t i = 0; i < ARRAY_SIZE(ks); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(peer, ks[i]);
		if (cJSON_IsNumber(v))
			return dup_str(v);
	}
	return NULL;
}

static int parse_telethon(struct pctx *x, const cJSON *m)
{
	if (!cJSON_IsObject(m))
		return perr(x, "_", "not an object");
	const cJSON *ty = cJSON_GetObjectItemCaseSensitive(m, "_");
	if (!cJSON_IsString(ty))
		return perr(x, "_", "missing: not a Telethon to_dict() message");
	if (strcmp(ty->valuestring, "Message"))
		return 0; /* MessageService, MessageEmpty */
	struct sns_post p = {0};
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
	if (!cJSON_IsNumber(id))
		return perr(x, "id", "missing or not a number");
	if (!time_of(cJSON_GetObjectItemCaseSensitive(m, "date"), &p.created_at))
		return perr(x, "date", "missing or not a time");
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(m, "message");
	if (text && !cJSON_IsString(text) && !cJSON_IsNull(text))
		return perr(x, "message", "not a string");
	char *chan = peer_id(cJSON_GetObjectItemCaseSensitive(m, "peer_id"));
	char b[96];
	snprintf(b, sizeof b, "%.40s/%.0f", chan ? chan : "?", id->valuedouble);
	p.post_id = m_strdup(b);
	p.channel_id = chan;
	p.channel_name = x->c->chat_name ? m_strdup(x->c->chat_name) : NULL;
	p.platform = m_strdup("telegram");
	p.text = m_strdup(cJSON_IsString(text) ? text->valuestring : "");
	p.author_id = peer_id(cJSON_GetObjectItemCaseSensitive(m, "from_id"));
	p.author_name = get_str(m, "post_author");
	int64_t ed;
	if (time_of(cJSON_GetObjectItemCaseSensitive(m, "edit_date"), &ed)) {
		snprintf(b, sizeof b, "%lld", (long long)ed);
		p.version = m_strdup(b);
		p.edit_of = m_strdup(p.post_id);
	}
	const cJSON *fwd = cJSON_GetObjectItemCaseSensitive(m, "fwd_from");
	if (cJSON_IsObject(fwd))
		p.forwarded_from = peer_id(cJSON_GetObjectItemCaseSensitive(fwd, "from_id"));
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(m, "reply_to");
	if (cJSON_IsObject(rt))
		p.reply_to = get_str(rt, "reply_to_msg_id");
	int rc =
	    p.post_id && p.text && p.platform
		? tg_entities(&p, p.text, cJSON_GetObjectItemCaseSensitive(m, "entities"), true)
		: M_ENOMEM;
	if (rc) {
		sns_post_clear(&p);
		return rc;
	}
	return emit(x, &p, m);
}

/* Telegram Desktop export: one message of a chat. */
static int tgx_message(struct pctx *x, const cJSON *m, const char *chat_id, const char *chat_name,
		       long idx)
{
	char field[64];
	if (!cJSON_IsObject(m)) {
		snprintf(field, sizeof field, "messages[%ld]", idx);
		return perr(x, field, "not an object");
	}
	const cJSON *ty = cJSON_GetObjectItemCaseSensitive(m, "type");
	if (cJSON_IsString(ty) && strcmp(ty->valuestring, "message"))
		return 0; /* service, unsupported */
	struct sns_post p = {0};
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
	if (!cJSON_IsNumber(id)) {
		snprintf(field, sizeof field, "messages[%ld].id", idx);
		return perr(x, field, "missing or not a number");
	}
	/* date is the exporting PC's local time without an offset: only date_unixtime. */
	if (!time_of(cJSON_GetObjectItemCaseSensitive(m, "date_unixtime"), &p.created_at)) {
		snprintf(field, sizeof field, "messages[%ld].date_unixtime", idx);
		return perr(x, field, "missing or not Unix seconds");
	}
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(m, "text");
	struct buf tb;
	buf_init(&tb, SNS_TEXT_MAX + 1);
	int rc = 0;
	if (cJSON_IsString(text)) {
		rc = buf_adds(&tb, text->valuestring);
	} else if (cJSON_IsArray(text)) {
		const cJSON *part;
		cJSON_ArrayForEach(part, text)
		{
			const cJSON *t = cJSON_IsString(part)
					     ? part
					     : cJSON_GetObjectItemCaseSensitive(part, "text");
			if (cJSON_IsString(t) && (rc = buf_adds(&tb, t->valuestring)))
				break;
		}
	} else if (text) {
		buf_release(&tb);
		snprintf(field, sizeof field, "messages[%ld].text", idx);
		return perr(x, field, "neither a string nor an array");
	}
	if (rc == M_ETOOBIG)
		rc = 0; /* cut */
	char b[96];
	snprintf(b, sizeof b, "%.40s/%.0f", chat_id ? chat_id : "?", id->valuedouble);
	p.post_id = m_strdup(b);
	p.text = buf_detach(&tb, NULL);
	p.platform = m_strdup("telegram");
	p.channel_id = chat_id ? m_strdup(chat_id) : NULL;
	p.channel_name = chat_name ? m_strdup(chat_name) : NULL;
	p.author_name = get_str(m, "from");
	p.author_id = get_str(m, "from_id");
	p.forwarded_from = get_str(m, "forwarded_from");
	p.reply_to = get_str(m, "reply_to_message_id");
	int64_t ed;
	if (time_of(cJSON_GetObjectItemCaseSensitive(m, "edited_unixtime"), &ed)) {
		snprintf(b, sizeof b, "%lld", (long long)ed);
		p.version = m_strdup(b);
		p.edit_of = m_strdup(p.post_id);
	}
	const cJSON *en;
	cJSON_ArrayForEach(en, cJSON_GetObjectItemCaseSensitive(m, "text_entities"))
	{
		const cJSON *et = cJSON_GetObjectItemCaseSensitive(en, "type");
		const cJSON *tx = cJSON_GetObjectItemCaseSensitive(en, "text");
		const cJSON *href = cJSON_GetObjectItemCaseSensitive(en, "href");
		if (!cJSON_IsString(et) || rc)
			continue;
		if (!strcmp(et->valuestring, "link") && cJSON_IsString(tx))
			rc = strv_add(&p.urls, tx->valuestring);
		else if (!strcmp(et->valuestring, "text_link") && cJSON_IsString(href))
			rc = strv_add(&p.urls, href->valuestring);
		else if (!strcmp(et->valuestring, "hashtag") && cJSON_IsString(tx) &&
			 tx->valuestring[0] == '#')
			rc = strv_add(&p.hashtags, tx->valuestring + 1);
		else if (!strcmp(et->valuestring, "mention") && cJSON_IsString(tx) &&
			 tx->valuestring[0] == '@')
			rc = strv_add(&p.mentions, tx->valuestring + 1);
	}
	if (!rc && (!p.post_id || !p.text || !p.platform))
		rc = M_ENOMEM;
	if (rc) {
		sns_post_clear(&p);
		return rc;
	}
	return emit(x, &p, m);
}

static int tgx_chat(struct pctx *x, const cJSON *chat)
{
	char *cid = get_str(chat, "id"), *cname = get_str(chat, "name");
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(chat, "messages"), *m;
	int rc = 0;
	long i = 0;
	if (!cJSON_IsArray(msgs))
		rc = perr(x, "messages", "missing or not an array");
	cJSON_ArrayForEach(m, msgs)
	{
		if ((rc = tgx_message(x, m, cid, cname, i++)))
			break;
	}
	m_free(cid);
	m_free(cname);
	return rc;
}

static int parse_tgexport(struct pctx *x, const cJSON *root)
{
	if (!cJSON_IsObject(root))
		return perr(x, "messages", "not an object");
	/* A message split out of a single-chat export (the chat's name and id are headers). */
	if (cJSON_GetObjectItemCaseSensitive(root, "date_unixtime") ||
	    (cJSON_GetObjectItemCaseSensitive(root, "type") &&
	     cJSON_GetObjectItemCaseSensitive(root, "id") &&
	     !cJSON_GetObjectItemCaseSensitive(root, "messages"))) {
		x->one_post = true;
		return tgx_message(x, root, x->c->chat_id, x->c->chat_name, 0);
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "messages"))
		return tgx_chat(x, root);
	/* Full-account export: chats.list[], left_chats.list[]. */
	static const char *const lists[] = {"chats", "left_chats"};
	bool any = false;
	for (size_t k = 0; k < ARRAY_SIZE(lists); k++) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(root, lists[k]), "list"),
			    *c;
		cJSON_ArrayForEach(c, l)
		{
			any = true;
			int rc = tgx_chat(x, c);
			if (rc)
				return rc;
		}
	}
	return any ? 0 : perr(x, "messages", "missing: not a Telegram Desktop export");
}

/* ------------------------------------------------------------ DDoSia, ransomwatch, jsonl */

/* "2024-07-18_08-20-06_DDoSia-..." or "09-06-2023_14-15-18_DDoSia-..." (UTC). */
static bool ddosia_time(const char *f, int64_t *t)
{
	int a, b, c, h, mi, s;
	char tail[2];
	if (sscanf(f, "%d-%d-%d_%d-%d-%d%1s", &a, &b, &c, &h, &mi, &s, tail) < 6)
		return false;
	char iso[40];
	if (a > 31) /* YYYY-MM-DD */
		snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", a, b, c, h, mi, s);
	else /* DD-MM-YYYY */
		snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", c, b, a, h, mi, s);
	return time_parse(iso, t) == 0;
}

static int parse_ddosia(struct pctx *x, const cJSON *root)
{
	if (!cJSON_IsObject(root))
		return perr(x, "targets", "not an object");
	const cJSON *sf = cJSON_GetObjectItemCaseSensitive(root, "source_file");
	const cJSON *tg = cJSON_GetObjectItemCaseSensitive(root, "targets");
	if (!cJSON_IsString(sf))
		return perr(x, "source_file", "missing or not a string");
	if (!cJSON_IsNull(tg) && !cJSON_IsArray(tg))
		return perr(x, "targets", "neither an array nor null");
	struct sns_post p = {0};
	if (!ddosia_time(sf->valuestring, &p.created_at))
		return perr(x, "source_file", "no date in the name");
	x->one_post = true;
	const cJSON *t;
	int rc = 0;
	long i = 0;
	cJSON_ArrayForEach(t, tg)
	{
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(t, "host");
		if (!cJSON_IsString(h)) {
			char field[48];
			snprintf(field, sizeof field, "targets[%ld].host", i);
			sns_post_clear(&p);
			return perr(x, field, "missing or not a string");
		}
		i++;
		/* "name/name" (both sides kept: Unicode on one, punycode on the other). */
		const char *s = h->valuestring;
		while (*s && !rc) {
			size_t n = strcspn(s, "/");
			if (n) {
				char tmp[256];
				if (n >= sizeof tmp)
					n = sizeof tmp - 1;
				memcpy(tmp, s, n);
				tmp[n] = '\0';
				rc = add_host(&p, tmp);
			}
			s += n;
			if (*s == '/')
				s++;
		}
		if (rc)
			break;
	}
	struct buf tb;
	buf_init(&tb, 0);
	if (!rc)
		rc = buf_adds(&tb, "DDoSia target list:");
	for (size_t k = 0; !rc && k < p.hostnames.n; k++)
		rc = buf_addf(&tb, " %s", p.hostnames.v[k]);
	p.text = rc ? NULL : buf_detach(&tb, NULL);
	buf_release(&tb);
	p.post_id = m_strdup(sf->valuestring);
	p.platform = m_strdup("ddosia");
	p.channel_name = m_strdup("NoName057(16) DDoSia");
	p.author_name = m_strdup("NoName057(16)");
	if (!rc && (!p.text || !p.post_id || !p.platform))
		rc = M_ENOMEM;
	if (rc) {
		sns_post_clear(&p);
		return rc;
	}
	return emit(x, &p, root);
}

static int parse_ransomwatch(struct pctx *x, const cJSON *o)
{
	if (!cJSON_IsObject(o))
		return perr(x, "post_title", "not an object");
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(o, "post_title");
	const cJSON *grp = cJSON_GetObjectItemCaseSensitive(o, "group_name");
	struct sns_post p = {0};
	if (!cJSON_IsString(title))
		return perr(x, "post_title", "missing or not a string");
	if (!cJSON_IsString(grp))
		return perr(x, "group_name", "missing or not a string");
	if (!time_of(cJSON_GetObjectItemCaseSensitive(o, "discovered"), &p.created_at))
		return perr(x, "discovered", "missing or not a time");
	x->one_post = true;
	struct buf b;
	buf_init(&b, 0);
	int rc = buf_addf(&b, "%s:%s", grp->valuestring, title->valuestring);
	p.post_id = rc ? NULL : buf_detach(&b, NULL);
	buf_release(&b);
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(o, "description");
	buf_init(&b, 0);
	if (!rc)
		rc = buf_adds(&b, title->valuestring);
	if (!rc && cJSON_IsString(desc))
		rc = buf_addf(&b, "\n%s", desc->valuestring);
	p.text = rc ? NULL : buf_detach(&b, NULL);
	buf_release(&b);
	p.platform = m_strdup("leak-site");
	p.author_name = m_strdup(grp->valuestring);
	p.channel_name = m_strdup(grp->valuestring);
	const cJSON *pu = cJSON_GetObjectItemCaseSensitive(o, "post_url");
	if (cJSON_IsString(pu))
		p.url = m_strdup(pu->valuestring);
	if (!rc && (!p.text || !p.post_id || !p.platform))
		rc = M_ENOMEM;
	if (rc) {
		sns_post_clear(&p);
		return rc;
	}
	return emit(x, &p, o);
}

static int strv_json(struct pctx *x, struct sns_strv *v, const cJSON *o, const char *k)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k), *it;
	if (!a || cJSON_IsNull(a))
		return 0;
	if (!cJSON_IsArray(a))
		return perr(x, k, "not an array of strings");
	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsString(it))
			return perr(x, k, "not an array of strings");
		int rc = strv_add(v, it->valuestring);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_jsonl(struct pctx *x, const cJSON *o)
{
	static const char *const req[] = {"platform", "post_id", "text"};
	if (!cJSON_IsObject(o))
		return perr(x, "platform", "not an object");
	for (size_t i = 0; i < ARRAY_SIZE(req); i++)
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, req[i])))
			return perr(x, req[i], "missing or not a string");
	struct sns_post p = {0};
	if (!time_of(cJSON_GetObjectItemCaseSensitive(o, "created_at"), &p.created_at))
		return perr(x, "created_at", "missing or not RFC 3339 UTC");
	static const char *const opt_str[] = {
	    "channel_id", "channel_name", "author_id", "author_name", "lang",  "forwarded_from",
	    "reply_to",	  "edit_of",	  "version",   "url",	      "source"};
	for (size_t i = 0; i < ARRAY_SIZE(opt_str); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, opt_str[i]);
		if (v && !cJSON_IsNull(v) && !cJSON_IsString(v) && !cJSON_IsNumber(v))
			return perr(x, opt_str[i], "not a string");
	}
	x->one_post = true;
	p.platform = get_str(o, "platform");
	p.post_id = get_str(o, "post_id");
	p.text = get_str(o, "text");
	p.source = get_str(o, "source");
	p.channel_id = get_str(o, "channel_id");
	p.channel_name = get_str(o, "channel_name");
	p.author_id = get_str(o, "author_id");
	p.author_name = get_str(o, "author_name");
	p.lang = get_str(o, "lang");
	p.forwarded_from = get_str(o, "forwarded_from");
	p.reply_to = get_str(o, "reply_to");
	p.edit_of = get_str(o, "edit_of");
	p.version = get_str(o, "version");
	p.url = get_str(o, "url");
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(o, "raw_sha256");
	if (cJSON_IsString(rs) && strlen(rs->valuestring) == 64)
		memcpy(p.raw_sha256, rs->valuestring, 65);
	int rc = strv_json(x, &p.urls, o, "urls");
	if (!rc)
		rc = strv_json(x, &p.hostnames, o, "hostnames");
	if (!rc)
		rc = strv_json(x, &p.mentions, o, "mentions");
	if (!rc)
		rc = strv_json(x, &p.hashtags, o, "hashtags");
	for (size_t i = 0; !rc && i < p.hostnames.n; i++)
		for (char *c = p.hostnames.v[i]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	if (!rc && (!p.platform || !p.post_id || !p.text))
		rc = M_ENOMEM;
	if (rc) {
		sns_post_clear(&p);
		return rc;
	}
	return emit(x, &p, o);
}

/* ------------------------------------------------------------ record entry point */

/* Telegram Desktop writes control characters as \xNN, which is not JSON: \u00NN. Returns a
 * new buffer when something was repaired (*out), else NULL. */
static int repair_x_escapes(const char *rec, size_t len, char **out, size_t *out_len)
{
	*out = NULL;
	size_t extra = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (rec[i] != '\\')
			continue;
		if (rec[i + 1] == 'x')
			extra += 2;
		i++; /* the escaped character */
	}
	if (!extra)
		return 0;
	char *b = m_malloc(len + extra + 1);
	if (!b)
		return M_ENOMEM;
	size_t w = 0;
	for (size_t i = 0; i < len; i++) {
		if (rec[i] == '\\' && i + 1 < len) {
			if (rec[i + 1] == 'x') {
				memcpy(b + w, "\\u00", 4);
				w += 4;
				i++;
				continue;
			}
			b[w++] = rec[i++];
		}
		b[w++] = rec[i];
	}
	b[w] = '\0';
	*out = b;
	*out_len = w;
	return 0;
}

int sns_parse_record(const struct sns_parse_ctx *ctx, char *rec, size_t len, sns_post_fn fn,
		     void *arg, struct merr *e)
{
	struct pctx x = {.c = ctx, .e = e, .fn = fn, .arg = arg, .rec = rec, .rec_len = len};
	char *fixed = NULL;
	size_t flen = 0;
	int rc;

	if (ctx->fmt == SNS_FMT_TGEXPORT) {
		if ((rc = repair_x_escapes(rec, len, &fixed, &flen)))
			return rc;
		if (fixed) {
			rec = fixed;
			len = flen;
		}
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(rec, len, &end, false);
	if (!root) {
		long long at = end ? (long long)(end - rec) : -1;
		rc = merr_at(e, M_EPARSE, ctx->file, ctx->line,
			     ctx->offset >= 0 && at >= 0 ? ctx->offset + at : -1, NULL,
			     "invalid JSON near byte %lld of the record", at);
		m_free(fixed);
		return rc;
	}
	switch (ctx->fmt) {
	case SNS_FMT_X:
	case SNS_FMT_XSTREAM: rc = parse_x(&x, root); break;
	case SNS_FMT_TGBOT: rc = parse_tgbot(&x, root); break;
	case SNS_FMT_TELETHON: rc = parse_telethon(&x, root); break;
	case SNS_FMT_TGEXPORT: rc = parse_tgexport(&x, root); break;
	case SNS_FMT_DDOSIA: rc = parse_ddosia(&x, root); break;
	case SNS_FMT_RANSOMWATCH: rc = parse_ransomwatch(&x, root); break;
	case SNS_FMT_JSONL: rc = parse_jsonl(&x, root); break;
	default: rc = merr_set(e, M_EINVAL, "no format given"); break;
	}
	cJSON_Delete(root);
	m_free(fixed);
	return rc;
}

static bool has(const char *p, size_t len, const char *needle)
{
	return memmem(p, len, needle, strlen(needle)) != NULL;
}

enum sns_format sns_sniff(const char *p, size_t len)
{
	if (has(p, len, "\"source_file\"") && has(p, len, "\"targets\""))
		return SNS_FMT_DDOSIA;
	if (has(p, len, "\"update_id\""))
		return SNS_FMT_TGBOT;
	if (has(p, len, "\"post_title\"") && has(p, len, "\"group_name\""))
		return SNS_FMT_RANSOMWATCH;
	if (has(p, len, "\"_\": \"Message") || has(p, len, "\"_\":\"Message"))
		return SNS_FMT_TELETHON;
	if (has(p, len, "\"platform\"") && has(p, len, "\"post_id\""))
		return SNS_FMT_JSONL;
	if (has(p, len, "\"date_unixtime\"") || has(p, len, "\"messages\""))
		return SNS_FMT_TGEXPORT;
	if (has(p, len, "\"data\"")) {
		/* the stream: one post object a line, else a page with an array */
		size_t i = 0;
		while (i < len && p[i] != '\n')
			i++;
		const char *d = memmem(p, i, "\"data\"", 6);
		if (d) {
			d += 6;
			while (d < p + i && (*d == ' ' || *d == ':'))
				d++;
			if (d < p + i && *d == '{')
				return SNS_FMT_XSTREAM;
		}
		return SNS_FMT_X;
	}
	return SNS_FMT_AUTO;
}
