/*
 * ot.h - read-only OT/ICS identification: request builders and strictly
 * bounds-checked response parsers for Modbus/TCP, Siemens S7, BACnet/IP and
 * EtherNet/IP. Only identification requests exist here: nothing writes or
 * changes state on a device. No sockets.
 *
 * Builders write into out (cap bytes) and return the request length, or
 * M_ETOOBIG. Parsers take every byte read so far and return FP_DONE (0),
 * FP_NEED_MORE (1) or M_EPARSE (banner.h constants). Text fields are
 * NUL-terminated, cut at their size, non-printable bytes replaced by '?'.
 */
#ifndef MAMORI_FP_OT_H
#define MAMORI_FP_OT_H

#include "base/compat.h"
#include "base/err.h"
#include "fingerprint/banner.h"

#define FP_OT_TEXT_MAX 128

/* ---- Modbus/TCP: Read Device Identification (FC 0x2B, MEI 0x0E), port 502 ---- */
int fp_modbus_devid_request(uint16_t transaction, uint8_t unit, unsigned char *out, size_t cap);
struct fp_modbus_devid {
	uint16_t transaction;
	uint8_t unit;
	bool exception;		/* FC 0xAB: the device refused */
	uint8_t exception_code; /* 1 illegal function, 2 illegal data address ... */
	uint8_t conformity;
	bool more_follows;
	char vendor[FP_OT_TEXT_MAX];	   /* object 0x00 VendorName */
	char product[FP_OT_TEXT_MAX];	   /* object 0x01 ProductCode */
	char revision[FP_OT_TEXT_MAX];	   /* object 0x02 MajorMinorRevision */
	char product_name[FP_OT_TEXT_MAX]; /* 0x04, regular category, when sent */
	char model_name[FP_OT_TEXT_MAX];   /* 0x05, when sent */
	size_t consumed;
};
int fp_modbus_devid_parse(const unsigned char *p, size_t n, uint16_t transaction,
			  struct fp_modbus_devid *out);

/* ---- Siemens S7comm over ISO-on-TCP (TPKT RFC 1006 + COTP ISO 8073), port 102 ---- */
/* COTP connection request to rack/slot (TSAP 0x01, 0x00 -> 0x01, rack*32+slot). */
int fp_s7_cotp_cr(uint8_t rack, uint8_t slot, unsigned char *out, size_t cap);
/* S7 "setup communication" (function 0xF0), PDU size 480. */
int fp_s7_setup(uint16_t pdu_ref, unsigned char *out, size_t cap);
/* Userdata "read SZL" (CPU functions group 4, subfunction 1); szl_id 0x0011 or 0x001C. */
int fp_s7_read_szl(uint16_t pdu_ref, uint16_t szl_id, uint16_t szl_index, unsigned char *out,
		   size_t cap);

enum fp_s7_kind { FP_S7_COTP_CC, FP_S7_SETUP_ACK, FP_S7_SZL, FP_S7_OTHER };
struct fp_s7 {
	enum fp_s7_kind kind;
	uint16_t pdu_ref;
	uint16_t pdu_size;		 /* setup ack: negotiated PDU size */
	uint8_t error_class, error_code; /* ack_data header errors */
	uint8_t return_code;		 /* SZL data item: 0xFF success */
	uint16_t szl_id, szl_index;
	/* SZL 0x0011 module identification */
	char order_number[FP_OT_TEXT_MAX]; /* index 0x0001 MLFB, "6ES7 315-2EH14-0AB0" */
	char hardware[FP_OT_TEXT_MAX];	   /* index 0x0006 MLFB */
	char firmware[FP_OT_TEXT_MAX];	   /* index 0x0007: "V3.2.6" */
	/* SZL 0x001C component identification */
	char system_name[FP_OT_TEXT_MAX]; /* index 1 */
	char module_name[FP_OT_TEXT_MAX]; /* index 2 */
	char plant_id[FP_OT_TEXT_MAX];	  /* index 3 */
	char copyright[FP_OT_TEXT_MAX];	  /* index 4 */
	char serial[FP_OT_TEXT_MAX];	  /* index 5 */
	char module_type[FP_OT_TEXT_MAX]; /* index 7 */
	size_t consumed;
};
/* Parses one TPKT frame: COTP CC, S7 setup ack, or an SZL userdata response. */
int fp_s7_parse(const unsigned char *p, size_t n, struct fp_s7 *out);

/* ---- BACnet/IP (ASHRAE 135 Annex J), UDP 47808 ---- */
#define FP_BACNET_ANY_DEVICE 4194303u /* device instance meaning "the device addressed" */
#define FP_BACNET_PROP_FIRMWARE_REVISION 44
#define FP_BACNET_PROP_MODEL_NAME 70
#define FP_BACNET_PROP_OBJECT_NAME 77
#define FP_BACNET_PROP_VENDOR_NAME 121
#define FP_BACNET_PROP_APP_SOFTWARE_VERSION 12
/* Unicast Who-Is (no range). */
int fp_bacnet_whois(unsigned char *out, size_t cap);
/* Confirmed ReadProperty of a Device object property. */
int fp_bacnet_read_property(uint8_t invoke_id, uint32_t device_instance, uint32_t property,
			    unsigned char *out, size_t cap);

enum fp_bacnet_kind { FP_BACNET_IAM, FP_BACNET_READ_ACK, FP_BACNET_ERROR, FP_BACNET_OTHER };
struct fp_bacnet {
	enum fp_bacnet_kind kind;
	uint32_t device_instance; /* I-Am, ReadProperty-ACK object */
	uint32_t max_apdu;	  /* I-Am */
	uint32_t segmentation;	  /* I-Am */
	uint32_t vendor_id;	  /* I-Am (ASHRAE vendor id) */
	uint8_t invoke_id;
	uint32_t property;		  /* ReadProperty-ACK */
	char value[FP_OT_TEXT_MAX];	  /* ReadProperty-ACK: character string value */
	uint32_t error_class, error_code; /* Error PDU */
	size_t consumed;
};
int fp_bacnet_parse(const unsigned char *p, size_t n, struct fp_bacnet *out);

/* ---- EtherNet/IP List Identity (encapsulation command 0x63), TCP/UDP 44818 ---- */
int fp_enip_list_identity(const unsigned char context[8], unsigned char *out, size_t cap);
struct fp_enip_identity {
	uint16_t protocol_version;
	uint32_t ip; /* socket address, host order */
	uint16_t port;
	uint16_t vendor_id; /* ODVA vendor id: 1 = Rockwell Automation/Allen-Bradley */
	uint16_t device_type;
	uint16_t product_code;
	uint8_t revision_major, revision_minor;
	uint16_t status;
	uint32_t serial;
	char product_name[FP_OT_TEXT_MAX];
	uint8_t state;
	size_t consumed;
};
int fp_enip_parse_identity(const unsigned char *p, size_t n, struct fp_enip_identity *out);

#endif
