#!/usr/bin/env python3
"""sns_fixtures.py - synthetic Japanese X and Telegram posts for the SNS evaluation and tests.

Every text is written here (no real posts); operators are the FICTIONAL ones of
examples/inventory.yaml. Deterministic (seeded). Writes into OUTDIR:

  outage_burst.x.jsonl   X filtered-stream lines: a week of chatter and normal complaints, then a
                         burst of complaints about 関西高速鉄道 (kansai-rail) at BURST_START
  outage_spread.x.jsonl  the same chatter and the same complaint posts spread over that day
  outage_negated.x.jsonl the same chatter and a burst of as many NEGATED complaints (落ちてない,
                         繋がらないことはない, 障害なし …) about 関西高速鉄道 at BURST_START
                         (every chatter file also carries a few negated complaints a day)
  classes.tg.jsonl       Telegram Bot API updates: DDoS announcements (with forwards), leak and
                         access-sale claims, exploit chatter, and look-alike negatives
  classes.x.jsonl        X stream lines of the same kinds
  truth.tsv              expected alerts: org, class (one line per wave)
  big.x.jsonl            with --big N: N X stream posts of chatter (ingest / throughput runs)
  big.jsonl              with --big N: the same posts as mamori JSON lines (for `jq -c .text`)
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
BIG = int(sys.argv[sys.argv.index("--big") + 1]) if "--big" in sys.argv else 0
R = random.Random(20240718)
R2 = random.Random(20241013)  # negated posts: a stream of their own (R's posts stay as they were)
UTC = timezone.utc
WEEK0 = datetime(2024, 7, 11, 0, 0, tzinfo=UTC)
BURST_START = datetime(2024, 7, 18, 8, 0, tzinfo=UTC)  # 17:00 JST

NOISE = [
    "今日のお昼はラーメン。スープが最高だった", "雨が強くなってきた、傘忘れた…", "新しいスマホに機種変した",
    "週末は実家に帰る予定", "この本めっちゃ面白い #読書", "猫がキーボードの上で寝てる", "明日の会議資料まだ終わらない",
    "コンビニの新作スイーツ美味しい", "ライブのチケット当たった！", "駅前のカフェ混んでた", "夏休みの計画を立ててる",
    "ジムに行ってきた。筋肉痛確定", "花火大会の日程が発表された", "ｷﾀ━━━━(ﾟ∀ﾟ)━━━━!!", "暑すぎて溶けそう",
    "今日も一日お疲れさまでした", "セールで服を買いすぎた", "推しの新曲が神", "レポート提出完了",
    "旅行の写真を整理中 https://example.com/album", "サーバーのログを眺める簡単なお仕事",
    "Windows Update 長すぎ", "セキュリティ勉強会に参加した", "DDoS対策の資料を読んでる",
]
MENTION_OK = [
    "{n}で通勤。今日は空いてた", "{n}の新しい車両かっこいい", "{n}の駅そば美味しい", "{n}沿線に引っ越した",
    "{n}の夏のキャンペーン始まった", "{n}のダイヤ改正のお知らせ見た", "{n}、今日も定時運行ありがとう",
]
COMPLAINT = [
    "{n}のアプリにログインできない", "{n}のサイト落ちてる？", "{n} 予約サイトが繋がらない",
    "{n}の公式サイトつながらないんだけど", "{n}のページ開かない、エラーになる", "{n} システム障害？きっぷ買えない",
    "{n}のアプリ エラー出る人いる？", "{n}のウェブ予約 アクセスできない", "{n}のサイトさっきから表示されない",
    "え、{n}のサイト落ちた？", "{n} 乗換アプリ 不具合かな", "{n}のサーバーダウンしてる？",
]
NEGATED = [
    "{n}のサイト落ちてないよ、普通に見られる", "{n}のアプリ、別に落ちてない", "{n} 予約サイト 繋がらないことはない",
    "{n}の公式サイト、つながらないわけではない（遅いだけ）", "{n} 障害なし、通常運行", "{n}のアプリ エラーなし",
    "{n} 止まってないよ", "{n}のサーバーダウンではないらしい", "{n}のサイト落ちたわけではないみたい",
    "{n}、障害はありませんとのこと", "{n}のウェブ予約 ログインできないことはない",
]
KANSAI_NAMES = ["関西高速鉄道", "関西高速", "関西高速", "関西高速鉄道株式会社", "関西　高速", "www.kansai-rail.test"]
OTHER_OPS = ["関東旅客鉄道", "関東鉄道", "羽田国際航空", "羽田航空", "東北貨物鉄道", "瀬戸内フェリー"]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Ids:
    n = 1780000000000000000


def xpost(t, text, author="u{}"):
    Ids.n += R.randint(1, 9999)
    i = str(Ids.n)
    a = str(R.randint(1000, 999999))
    return {"data": {"id": i, "text": text.replace("&", "&amp;").replace("<", "&lt;"),
                     "created_at": iso(t), "author_id": a, "lang": "ja",
                     "edit_history_tweet_ids": [i]},
            "includes": {"users": [{"id": a, "username": "user" + a, "name": "名無し"}]},
            "matching_rules": [{"id": "1", "tag": "transport-ja"}]}


def tgupdate(t, chat, title, mid, text, fwd=None):
    m = {"message_id": mid, "date": int(t.timestamp()),
         "chat": {"id": chat, "type": "channel", "title": title, "username": title.lower().replace(" ", "_")},
         "text": text}
    if fwd:
        m["forward_origin"] = {"type": "channel", "chat": {"id": fwd, "type": "channel"}, "date": m["date"]}
    return {"update_id": mid + 500000, "channel_post": m}


def background():
    """A week of chatter: noise, harmless mentions, and a few normal complaints a day."""
    posts = []
    t = WEEK0
    end = BURST_START + timedelta(days=1)
    while t < end:
        # more posts by JST day than night
        hour_jst = (t.hour + 9) % 24
        rate = 30 if 7 <= hour_jst <= 23 else 6  # posts per hour
        t += timedelta(seconds=R.expovariate(rate / 3600.0))
        r = R.random()
        if r < 0.80:
            posts.append((t, R.choice(NOISE)))
        elif r < 0.97:
            posts.append((t, R.choice(MENTION_OK).format(n=R.choice(KANSAI_NAMES + OTHER_OPS))))
        else:
            # normal complaint rate, any operator (about 4-5 a day for kansai-rail)
            posts.append((t, R.choice(COMPLAINT).format(n=R.choice(KANSAI_NAMES + OTHER_OPS))))
    return posts


def burst_posts(n=80, spread=False):
    out = []
    for k in range(n):
        if spread:
            t = BURST_START + timedelta(seconds=int(k * 86400 / n) + R.randint(0, 60))
        else:
            # a wave: most in the first 20 minutes, a tail to 45
            t = BURST_START + timedelta(seconds=int(R.expovariate(1 / 600.0)) % 2700)
        text = R.choice(COMPLAINT).format(n=R.choice(KANSAI_NAMES))
        if R.random() < 0.3:
            text += R.choice(["", "", "。みんなも？", " 困る", "😇", " #関西高速"])
        out.append((t, text))
    return out


def negated_chatter():
    """A few negated complaints a day about any operator (not complaints: no burst from them)."""
    out = []
    t = WEEK0
    end = BURST_START + timedelta(days=1)
    while t < end:
        t += timedelta(seconds=R2.expovariate(6 / 86400.0))
        out.append((t, R2.choice(NEGATED).format(n=R2.choice(KANSAI_NAMES + OTHER_OPS))))
    return out


def negated_burst(n=80):
    """The burst's shape with negated texts: denials of an outage, which must not alert."""
    out = []
    for k in range(n):
        t = BURST_START + timedelta(seconds=int(R2.expovariate(1 / 600.0)) % 2700)
        out.append((t, R2.choice(NEGATED).format(n=R2.choice(KANSAI_NAMES))))
    return out


def write_x(path, posts):
    posts.sort(key=lambda p: p[0])
    with open(path, "w", encoding="utf-8") as f:
        for t, text in posts:
            f.write(json.dumps(xpost(t, text), ensure_ascii=False) + "\n")
            if R.random() < 0.01:
                f.write("\n")  # stream keep-alive


def classes():
    tg, xs, truth = [], [], []
    mid = [1000]

    def tgp(t, text, chat=-1001, title="NoName057 16", fwd=None):
        mid[0] += 1
        tg.append((t, tgupdate(t, chat, title, mid[0], text, fwd)))

    # ddos-target, 3 waves (operator, host, day)
    waves = [("kanto-rail", "www.kanto-rail.test", "関東旅客鉄道", datetime(2024, 7, 12, 6, 0, tzinfo=UTC)),
             ("kansai-rail", "www.kansai-rail.test", "関西高速鉄道", datetime(2024, 7, 14, 7, 30, tzinfo=UTC)),
             ("haneda-air", "www.haneda-air.test", "羽田国際航空", datetime(2024, 7, 16, 5, 0, tzinfo=UTC))]
    for org, host, ja, t in waves:
        truth.append((org, "ddos-target"))
        tgp(t, f"🇯🇵 Японские русофобы снова получают ответ! Сегодня наши цели: {host} "
               f"— {ja}. ДДоС-атака продолжается #OpJapan https://check-host.net/check-report/{R.randint(10**6, 10**7)}")
        for k in range(12):  # forwards and copy-paste in other channels and on X
            tt = t + timedelta(minutes=R.randint(1, 240))
            tgp(tt, f"Сегодня наши цели: {host} — {ja}. ДДоС-атака продолжается #OpJapan",
                chat=-1002 - k, title=f"hacktivist relay {k}", fwd=-1001)
            if k % 3 == 0:
                xs.append((tt, f"【攻撃予告】親露派ハッカー集団が{ja}にDDoS攻撃を予告 #OpJapan {host}"))
        tgp(t + timedelta(hours=3), f"{host} tango down! check-host.net/check-report/{R.randint(10**6, 10**7)}")
    # leak: leak-site style claim and access sale
    t = datetime(2024, 7, 13, 12, 0, tzinfo=UTC)
    truth.append(("tohoku-freight", "leak"))
    tgp(t, "LockBit 3.0 leak: tohoku-freight.test — 東北貨物鉄道株式会社. 120 GB. Data will be published in 5 days. countdown",
        chat=-1005, title="ransom news")
    for k in range(5):
        xs.append((t + timedelta(hours=k + 1),
                   f"東北貨物鉄道がランサムウェア被害か、LockBitのリークサイトに掲載 情報流出の恐れ ({k})"))
    t = datetime(2024, 7, 15, 20, 0, tzinfo=UTC)
    truth.append(("skyline-cargo", "leak"))
    tgp(t, "WTS: VPN access to skyline-cargo.test (スカイライン貨物航空), domain admin, 5k USD. DM", chat=-1006,
        title="access market")
    # exploit chatter: product the operator runs (FortiOS: haneda-air), CVE named
    t = datetime(2024, 7, 17, 3, 0, tzinfo=UTC)
    truth.append(("haneda-air", "exploit"))
    for k in range(6):
        xs.append((t + timedelta(minutes=30 * k),
                   R.choice(["FortiOS の CVE-2024-21762 PoC が公開された。SSL-VPN 使ってるところは要注意",
                             "Fortinet FortiOS 脆弱性 CVE-2024-21762 のエクスプロイトが出回ってる",
                             "fortios sslvpn exploit released, patch now CVE-2024-21762"])))
    # negatives that look alike
    neg_t = datetime(2024, 7, 12, 0, 0, tzinfo=UTC)
    negatives = ["DDoS対策セミナーを開催します（参加無料）", "関西高速鉄道の新駅が来春開業",
                 "羽田航空 target price raised by analysts", "情報漏えい対策の研修を受けた",
                 "関東旅客鉄道の駅で落とし物をした", "脆弱性診断の仕事をしている", "サイバー攻撃のニュースが多いね",
                 "関東鉄道 ダイヤ改正", "nginx の設定で 1 日溶けた", "Telegram のチャンネルを作った"]
    for k in range(300):
        xs.append((neg_t + timedelta(minutes=37 * k), R.choice(negatives)))
    return tg, xs, truth


def main():
    bg = background()
    burst, spread = burst_posts(), burst_posts(spread=True)
    neg = negated_chatter()
    write_x(f"{OUT}/outage_burst.x.jsonl", bg + neg + burst)
    write_x(f"{OUT}/outage_spread.x.jsonl", bg + neg + spread)
    write_x(f"{OUT}/outage_negated.x.jsonl", bg + neg + negated_burst())
    tg, xs, truth = classes()
    tg.sort(key=lambda p: p[0])
    with open(f"{OUT}/classes.tg.jsonl", "w", encoding="utf-8") as f:
        for _, u in tg:
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    write_x(f"{OUT}/classes.x.jsonl", xs)
    with open(f"{OUT}/truth.tsv", "w") as f:
        for org, cls in truth:
            f.write(f"{org}\t{cls}\n")
    with open(f"{OUT}/burst.txt", "w") as f:
        f.write(f"{int(BURST_START.timestamp())}\n")
    if BIG:
        t = WEEK0
        with open(f"{OUT}/big.x.jsonl", "w", encoding="utf-8") as fx, \
                open(f"{OUT}/big.jsonl", "w", encoding="utf-8") as fj:
            for k in range(BIG):
                t += timedelta(seconds=R.randint(0, 3))
                r = R.random()
                if r < 0.9:
                    text = " ".join(R.choice(NOISE) for _ in range(R.randint(1, 4)))
                else:
                    text = R.choice(MENTION_OK + COMPLAINT).format(n=R.choice(KANSAI_NAMES + OTHER_OPS))
                x = xpost(t, text)
                fx.write(json.dumps(x, ensure_ascii=False) + "\n")
                d = x["data"]
                fj.write(json.dumps({"source": "bench", "platform": "x", "post_id": d["id"],
                                     "created_at": d["created_at"], "author_id": d["author_id"],
                                     "text": text, "lang": "ja"}, ensure_ascii=False) + "\n")


main()
