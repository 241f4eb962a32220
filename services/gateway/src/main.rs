use juxuan_platform::config::Env;
use juxuan_platform::service::{Command, settings_or_exit};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    Command::from_args("juxuan-gateway")
        .run_one_shot(&juxuan_gateway::MIGRATIONS)
        .await;
    let settings = settings_or_exit(juxuan_gateway::Settings::read(Env::from_process()));
    let _telemetry = juxuan_platform::telemetry::init(
        juxuan_gateway::SERVICE,
        settings.common.otlp_endpoint.as_deref(),
    )?;
    if settings.common.environment == juxuan_platform::config::Environment::Development {
        tracing::warn!(username = %settings.admin_username, "development mode: the first admin's password defaults to `admin` unless JUXUAN_ADMIN_PASSWORD is set");
    }
    let app = juxuan_gateway::App::build(settings).await?;
    let (trigger, shutdown) = juxuan_platform::shutdown::channel();
    tokio::spawn(async move {
        juxuan_platform::shutdown::os_signal().await;
        trigger.fire();
    });
    app.run_until_stopped(shutdown).await
}
