CREATE TABLE "fills" (
	"user_id" uuid NOT NULL,
	"fill_id" text NOT NULL,
	"order_id" text NOT NULL,
	"ticker" text NOT NULL,
	"side" text NOT NULL,
	"book_side" text NOT NULL,
	"count_centi" bigint NOT NULL,
	"yes_price_micros" bigint NOT NULL,
	"fee_micros" bigint NOT NULL,
	"is_taker" boolean NOT NULL,
	"created_time" timestamp with time zone NOT NULL,
	"raw" jsonb NOT NULL,
	CONSTRAINT "fills_user_id_fill_id_pk" PRIMARY KEY("user_id","fill_id")
);
--> statement-breakpoint
CREATE TABLE "portfolio_snapshots" (
	"user_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"cash_micros" bigint NOT NULL,
	"positions_value_micros" bigint NOT NULL,
	"total_micros" bigint NOT NULL,
	CONSTRAINT "portfolio_snapshots_user_id_at_pk" PRIMARY KEY("user_id","at")
);
--> statement-breakpoint
CREATE TABLE "position_cache" (
	"user_id" uuid NOT NULL,
	"ticker" text NOT NULL,
	"position_centi" bigint NOT NULL,
	"market_exposure_micros" bigint NOT NULL,
	"realized_pnl_micros" bigint NOT NULL,
	"fees_paid_micros" bigint NOT NULL,
	"total_traded_micros" bigint NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "position_cache_user_id_ticker_pk" PRIMARY KEY("user_id","ticker")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"exchange_url" text NOT NULL,
	"key_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"last_login_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "backtest_results" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"params" jsonb NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_credentials" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"kalshi_key_id" text NOT NULL,
	"key_version" text NOT NULL,
	"format_version" integer DEFAULT 1 NOT NULL,
	"iv" "bytea" NOT NULL,
	"tag" "bytea" NOT NULL,
	"ciphertext" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market_snapshots" (
	"ticker" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"yes_bid_micros" bigint,
	"yes_ask_micros" bigint,
	"last_price_micros" bigint,
	"volume_centi" bigint NOT NULL,
	CONSTRAINT "market_snapshots_ticker_at_pk" PRIMARY KEY("ticker","at")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"jti" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"renewed_from" text
);
--> statement-breakpoint
ALTER TABLE "fills" ADD CONSTRAINT "fills_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio_snapshots" ADD CONSTRAINT "portfolio_snapshots_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "position_cache" ADD CONSTRAINT "position_cache_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backtest_results" ADD CONSTRAINT "backtest_results_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_credentials" ADD CONSTRAINT "user_credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fills_user_ticker_time" ON "fills" USING btree ("user_id","ticker","created_time");--> statement-breakpoint
CREATE INDEX "backtest_results_user" ON "backtest_results" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "sessions_user" ON "sessions" USING btree ("user_id");